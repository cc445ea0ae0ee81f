internal import Crypto
public import Foundation
import Tracing

/// Seals and opens the self-contained values the token service hands out instead of storing
/// them: authorization codes, refresh tokens, device codes, the session cookie and the
/// login transaction (docs/ARCHITECTURE.md "Sealed values").
///
/// Format, base64url without padding:
///
///     version (1) ‖ secret id (6) ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)
///
/// The key is HKDF-SHA256 of the sealing secret with the purpose as `info`; the associated
/// data is the header, the purpose and the issuer. The plaintext is JSON holding the expiry,
/// a random `jti` and the payload. The active secret seals; every loaded secret opens, so
/// secrets rotate like signing keys.
public struct Sealer: Sendable {
    static let version: UInt8 = 1
    static let idLength = 6
    static let nonceLength = 12
    static let tagLength = 16
    static let salt = Data("permiso/seal/v1".utf8)

    private struct SecretKeys: Sendable {
        var id: Data
        var keys: [SealPurpose: SymmetricKey]
    }

    private let active: SecretKeys
    private let byID: [Data: SecretKeys]
    private let issuer: String

    /// - Parameters:
    ///   - active: the secret that seals.
    ///   - others: secrets that only open (next and retired ones).
    public init(active: SealingSecret, others: [SealingSecret] = [], issuer: String) {
        func derive(_ secret: SealingSecret) -> SecretKeys {
            let material = SymmetricKey(data: secret.bytes)
            var keys: [SealPurpose: SymmetricKey] = [:]
            for purpose in SealPurpose.allCases {
                keys[purpose] = HKDF<SHA256>.deriveKey(
                    inputKeyMaterial: material,
                    salt: Self.salt,
                    info: Data(purpose.rawValue.utf8),
                    outputByteCount: 32
                )
            }
            // The id is 8 base64url characters: exactly 6 bytes.
            return SecretKeys(id: Data(base64URLEncoded: secret.id) ?? Data(secret.id.utf8.prefix(Self.idLength)), keys: keys)
        }
        self.active = derive(active)
        var byID: [Data: SecretKeys] = [:]
        for secret in [active] + others {
            let keys = derive(secret)
            byID[keys.id] = keys
        }
        self.byID = byID
        self.issuer = issuer
    }

    /// A sealer for a deployment's keys; `nil` when it has no active sealing secret.
    public init?(keys: KeyRing, issuer: String) {
        guard let active = keys.activeSealingSecret else { return nil }
        self.init(active: active, others: keys.sealing.map(\.secret).filter { $0.id != active.id }, issuer: issuer)
    }

    /// The envelope inside the ciphertext.
    struct Envelope<Payload: Codable>: Codable {
        var exp: Int64
        var jti: String
        var p: Payload
    }

    /// Made once rather than per value (four allocations fewer; package-benchmark shows
    /// the time goes to the generic Codable work instead). Safe from many threads at once.
    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()

    /// Seals `payload` until `expiresAt`, with a fresh random `jti` unless the caller
    /// brings one (to key state-store records to the value before handing it out).
    public func seal<Payload: Codable>(
        _ payload: Payload,
        purpose: SealPurpose,
        expiresAt: Date,
        jti: String = RandomToken.make()
    ) throws -> String {
        let span = startSpan("permiso.seal", ofKind: .internal)
        defer { span.end() }
        span.attributes["permiso.purpose"] = purpose.rawValue
        let envelope = Envelope(exp: Int64(expiresAt.timeIntervalSince1970.rounded(.down)), jti: jti, p: payload)
        let plaintext = try Self.encoder.encode(envelope)
        let header = Data([Self.version]) + active.id
        let box = try AES.GCM.seal(
            plaintext,
            using: active.keys[purpose]!,
            authenticating: associatedData(header: header, purpose: purpose)
        )
        return (header + box.nonce.withUnsafeBytes { Data($0) } + box.ciphertext + box.tag).base64URLEncodedString
    }

    /// Opens a value sealed for `purpose` by this deployment, if it has not expired at `now`.
    public func open<Payload: Codable & Sendable>(
        _ text: some StringProtocol,
        as type: Payload.Type,
        purpose: SealPurpose,
        now: Date
    ) throws(SealError) -> Sealed<Payload> {
        let span = startSpan("permiso.open", ofKind: .internal)
        defer { span.end() }
        span.attributes["permiso.purpose"] = purpose.rawValue
        // Values travel in URLs, forms and cookies; anything long is not ours.
        guard text.utf8.count <= 8_192, let data = Data(base64URLEncoded: text) else { throw .malformed }
        let headerLength = 1 + Self.idLength
        guard data.count >= headerLength + Self.nonceLength + Self.tagLength, data.first == Self.version else {
            throw .malformed
        }
        let header = data.prefix(headerLength)
        guard let keys = byID[Data(header.dropFirst())] else { throw .unknownSecret }
        let body = data.dropFirst(headerLength)
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: body.prefix(Self.nonceLength)),
                ciphertext: body.dropFirst(Self.nonceLength).dropLast(Self.tagLength),
                tag: body.suffix(Self.tagLength)
            )
            plaintext = try AES.GCM.open(
                box,
                using: keys.keys[purpose]!,
                authenticating: associatedData(header: Data(header), purpose: purpose)
            )
        } catch {
            throw .notAuthentic
        }
        // Authentic but unreadable means another version of Permiso sealed it for another payload type.
        guard let envelope = try? Self.decoder.decode(Envelope<Payload>.self, from: plaintext) else {
            throw .malformed
        }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(envelope.exp))
        guard now < expiresAt else { throw .expired }
        return Sealed(payload: envelope.p, jti: envelope.jti, expiresAt: expiresAt)
    }

    private func associatedData(header: Data, purpose: SealPurpose) -> Data {
        header + Data("\u{0}\(purpose.rawValue)\u{0}\(issuer)".utf8)
    }
}

/// An opened value: its payload, its unique id and its expiry.
public struct Sealed<Payload: Sendable>: Sendable {
    public var payload: Payload
    /// Unique per sealing: what single-use checks claim.
    public var jti: String
    public var expiresAt: Date
}
