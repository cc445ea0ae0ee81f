public import Crypto
public import CryptoExtras
import Foundation
public import PermisoCore

/// A WebAuthn authenticator in software, for tests: it makes a credential, answers
/// registrations and assertions the way CTAP2 authenticators do (WebAuthn Level 3 §6), and
/// can be told to misbehave — another origin, another RP ID, no user verification, a
/// counter that goes back — so every check of `WebAuthnRelyingParty` has a response that
/// fails it. Browser-made responses are tested too, from headless Chromium's virtual
/// authenticator in the interop suite.
public struct SoftwareAuthenticator: Sendable {
    public enum Key: Sendable {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    public var key: Key
    public var credentialID: [UInt8]
    public var rpID: String
    public var origin: String
    public var signCount: UInt32
    /// Flags for the next response: user present and verified unless changed.
    public var flags: UInt8 = AuthenticatorData.userPresent | AuthenticatorData.userVerified

    public init(_ algorithm: PasskeyPublicKey.Algorithm = .es256, rpID: String, origin: String, signCount: UInt32 = 0) {
        switch algorithm {
        case .es256: key = .p256(P256.Signing.PrivateKey())
        case .eddsa: key = .ed25519(Curve25519.Signing.PrivateKey())
        case .rs256: key = .rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048))
        }
        credentialID = (0..<16).map { _ in UInt8.random(in: 0...255) }
        self.rpID = rpID
        self.origin = origin
        self.signCount = signCount
    }

    /// The credential public key, COSE-encoded (RFC 9052 §7) as an authenticator returns it.
    public var cosePublicKey: [UInt8] {
        switch key {
        case .p256(let key):
            let point = Array(key.publicKey.x963Representation)
            return CBOREncoder.encode(
                .map([
                    .init(key: .unsigned(1), value: .unsigned(2)), .init(key: .unsigned(3), value: .negative(6)),
                    .init(key: .negative(0), value: .unsigned(1)), .init(key: .negative(1), value: .bytes(Array(point[1..<33]))),
                    .init(key: .negative(2), value: .bytes(Array(point[33...]))),
                ])
            )
        case .ed25519(let key):
            return CBOREncoder.encode(
                .map([
                    .init(key: .unsigned(1), value: .unsigned(1)), .init(key: .unsigned(3), value: .negative(7)),
                    .init(key: .negative(0), value: .unsigned(6)), .init(key: .negative(1), value: .bytes(Array(key.publicKey.rawRepresentation))),
                ])
            )
        case .rsa(let key):
            let primitives = try! key.publicKey.getKeyPrimitives()
            return CBOREncoder.encode(
                .map([
                    .init(key: .unsigned(1), value: .unsigned(3)), .init(key: .unsigned(3), value: .negative(256)),
                    .init(key: .negative(0), value: .bytes(Array(primitives.modulus))),
                    .init(key: .negative(1), value: .bytes(Array(primitives.publicExponent))),
                ])
            )
        }
    }

    /// The passkey as the config would list it.
    public func passkey(name: String = "Test key") throws -> PasskeyConfig {
        PasskeyConfig(id: credentialID, publicKey: try PasskeyPublicKey(cose: try CBOR.decode(cosePublicKey)), name: name)
    }

    public func clientData(_ type: String, challenge: [UInt8], origin: String? = nil) -> [UInt8] {
        let challengeText = Data(challenge).base64URLEncodedString
        return Array("{\"type\":\"\(type)\",\"challenge\":\"\(challengeText)\",\"origin\":\"\(origin ?? self.origin)\",\"crossOrigin\":false}".utf8)
    }

    /// Authenticator data for `rpID` (or another), with the attested credential when `attested`.
    public func authenticatorData(rpID: String? = nil, attested: Bool = false) -> [UInt8] {
        var bytes = Array(SHA256.hash(data: Data((rpID ?? self.rpID).utf8)))
        bytes.append(flags | (attested ? AuthenticatorData.attestedCredentialIncluded : 0))
        bytes += withUnsafeBytes(of: signCount.bigEndian, Array.init)
        if attested {
            bytes += [UInt8](repeating: 0, count: 16)
            bytes += [UInt8(credentialID.count >> 8), UInt8(credentialID.count & 0xff)] + credentialID
            bytes += cosePublicKey
        }
        return bytes
    }

    /// `navigator.credentials.create`'s answer: client data and a `none` attestation object.
    public func registration(challenge: [UInt8], origin: String? = nil, rpID: String? = nil) -> (clientData: [UInt8], attestationObject: [UInt8]) {
        let object = CBOREncoder.encode(
            .map([
                .init(key: .text("fmt"), value: .text("none")), .init(key: .text("attStmt"), value: .map([])),
                .init(key: .text("authData"), value: .bytes(authenticatorData(rpID: rpID, attested: true))),
            ])
        )
        return (clientData(CollectedClientData.create, challenge: challenge, origin: origin), object)
    }

    /// `navigator.credentials.get`'s answer, signed; the counter advances first, as an authenticator's does.
    public mutating func assertion(
        challenge: [UInt8],
        origin: String? = nil,
        rpID: String? = nil,
        userHandle: [UInt8]? = nil,
        type: String = CollectedClientData.get
    ) -> PasskeySignIn.Assertion {
        if signCount > 0 { signCount += 1 }
        let client = clientData(type, challenge: challenge, origin: origin)
        let data = authenticatorData(rpID: rpID)
        return PasskeySignIn.Assertion(
            credentialID: credentialID,
            clientDataJSON: client,
            authenticatorData: data,
            signature: sign(data + Array(SHA256.hash(data: client))),
            userHandle: userHandle ?? []
        )
    }

    public func sign(_ message: [UInt8]) -> [UInt8] {
        switch key {
        case .p256(let key): Array(try! key.signature(for: message).derRepresentation)
        case .ed25519(let key): Array(try! key.signature(for: message))
        case .rsa(let key): Array(try! key.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }
}

/// Encodes CBOR items as CTAP2 canonical CBOR (shortest arguments, definite lengths): what
/// authenticators send, for tests and fuzz seeds. Permiso itself only decodes.
public enum CBOREncoder {
    public static func encode(_ item: CBOR) -> [UInt8] {
        switch item {
        case .unsigned(let value): head(0, value)
        case .negative(let value): head(1, value)
        case .bytes(let bytes): head(2, UInt64(bytes.count)) + bytes
        case .text(let text): head(3, UInt64(text.utf8.count)) + Array(text.utf8)
        case .array(let items): head(4, UInt64(items.count)) + items.flatMap(encode)
        case .map(let entries): head(5, UInt64(entries.count)) + entries.flatMap { encode($0.key) + encode($0.value) }
        case .bool(let value): [value ? 0xf5 : 0xf4]
        case .null: [0xf6]
        }
    }

    static func head(_ major: UInt8, _ value: UInt64) -> [UInt8] {
        let type = major << 5
        switch value {
        case 0..<24: return [type | UInt8(value)]
        case 24...0xff: return [type | 24, UInt8(value)]
        case 0x100...0xffff: return [type | 25] + withUnsafeBytes(of: UInt16(value).bigEndian, Array.init)
        case 0x10000...0xffff_ffff: return [type | 26] + withUnsafeBytes(of: UInt32(value).bigEndian, Array.init)
        default: return [type | 27] + withUnsafeBytes(of: value.bigEndian, Array.init)
        }
    }
}
