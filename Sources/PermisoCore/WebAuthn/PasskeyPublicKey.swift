internal import Crypto
internal import CryptoExtras
internal import Foundation

/// A passkey's public key: from the COSE_Key an authenticator returns at registration
/// (RFC 9052 §7, RFC 9053 §2 and §7, RFC 8812 §2), and from the JWK (RFC 7517) the config
/// lists it as. ES256, EdDSA (Ed25519) and RS256 — what WebAuthn §5.8.3 asks relying
/// parties to offer, and what every platform and security key creates.
public struct PasskeyPublicKey: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case es256 = "ES256"
        case eddsa = "EdDSA"
        case rs256 = "RS256"

        /// The COSE algorithm identifier (IANA "COSE Algorithms"), as `pubKeyCredParams` names it.
        public var coseIdentifier: Int {
            switch self {
            case .es256: -7
            case .eddsa: -8
            case .rs256: -257
            }
        }
    }

    public enum KeyError: Error, Equatable, Sendable {
        case unsupportedAlgorithm
        case malformed(String)
    }

    private enum Material: Sendable {
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    public let algorithm: Algorithm
    private let material: Material
    /// The key as a JWK's members, in the order the config lists them.
    public let jwk: [(name: String, value: String)]

    /// RSA keys between 2048 and 4096 bits: shorter is weak, longer only makes each
    /// verification slower for whoever chose it.
    static let rsaModulusBytes = 256...512

    /// From a credential public key in COSE form (WebAuthn §6.5.1.1).
    public init(cose: CBOR) throws(KeyError) {
        guard case .map = cose else { throw .malformed("the credential public key is not a COSE_Key map") }
        switch (cose[3]?.integer, cose[1]?.integer) {
        case (-7, 2):
            guard cose[-1]?.integer == 1 else { throw .malformed("an ES256 key must be on P-256 (crv 1)") }
            guard let x = cose[-2]?.byteString, let y = cose[-3]?.byteString else { throw .malformed("an EC2 key needs x and y") }
            try self.init(ecX: x, y: y)
        case (-8, 1):
            guard cose[-1]?.integer == 6 else { throw .malformed("an EdDSA key must be Ed25519 (crv 6)") }
            guard let x = cose[-2]?.byteString else { throw .malformed("an OKP key needs x") }
            try self.init(ed25519: x)
        case (-257, 3):
            guard let n = cose[-1]?.byteString, let e = cose[-2]?.byteString else { throw .malformed("an RSA key needs n and e") }
            try self.init(rsaN: n, e: e)
        default:
            throw .unsupportedAlgorithm
        }
    }

    /// From the config's JWK: `EC`/`P-256` is ES256, `OKP`/`Ed25519` EdDSA, `RSA` RS256.
    public init(jwk members: [String: String]) throws(KeyError) {
        func bytes(_ name: String) throws(KeyError) -> [UInt8] {
            guard let text = members[name], let data = Data(base64URLEncoded: text) else {
                throw .malformed("the key needs \(name), base64url")
            }
            return Array(data)
        }
        switch (members["kty"], members["crv"]) {
        case ("EC", "P-256"): try self.init(ecX: try bytes("x"), y: try bytes("y"))
        case ("OKP", "Ed25519"): try self.init(ed25519: try bytes("x"))
        case ("RSA", nil): try self.init(rsaN: try bytes("n"), e: try bytes("e"))
        default: throw .unsupportedAlgorithm
        }
        if let alg = members["alg"], alg != algorithm.rawValue {
            throw .malformed("alg \(alg) does not match the key, which is \(algorithm.rawValue)")
        }
    }

    private init(ecX x: [UInt8], y: [UInt8]) throws(KeyError) {
        guard x.count == 32, y.count == 32,
            let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
        else { throw .malformed("not a point on P-256") }
        algorithm = .es256
        material = .p256(key)
        jwk = [("kty", "EC"), ("crv", "P-256"), ("x", Self.encode(x)), ("y", Self.encode(y))]
    }

    private init(ed25519 x: [UInt8]) throws(KeyError) {
        guard x.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x) else {
            throw .malformed("not an Ed25519 public key")
        }
        algorithm = .eddsa
        material = .ed25519(key)
        jwk = [("kty", "OKP"), ("crv", "Ed25519"), ("x", Self.encode(x))]
    }

    private init(rsaN n: [UInt8], e: [UInt8]) throws(KeyError) {
        let modulus = Array(n.drop { $0 == 0 })
        let exponent = Array(e.drop { $0 == 0 })
        guard Self.rsaModulusBytes.contains(modulus.count) else { throw .malformed("an RSA key must have 2048 to 4096 bits") }
        guard (1...4).contains(exponent.count), exponent.last! & 1 == 1, exponent != [1] else {
            throw .malformed("not an RSA public exponent")
        }
        guard let key = try? _RSA.Signing.PublicKey(n: modulus, e: exponent) else { throw .malformed("not an RSA public key") }
        algorithm = .rs256
        material = .rsa(key)
        jwk = [("kty", "RSA"), ("n", Self.encode(modulus)), ("e", Self.encode(exponent))]
    }

    private static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64URLEncodedString }

    /// Whether `signature` is this key's over `data` (WebAuthn §6.3.3 step 14 and §7.2 step 20):
    /// ES256 signatures come DER-encoded (§6.5.6), EdDSA and RS256 as raw bytes.
    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        switch material {
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: data)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: data)
        case .rsa(let key):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: SHA256.hash(data: data),
                padding: .insecurePKCS1v1_5
            )
        }
    }

    /// The JWK as one line of JSON, members in order: what the config snippet shows.
    public var jwkJSON: String {
        "{" + jwk.map { "\"\($0.name)\": \"\($0.value)\"" }.joined(separator: ", ") + "}"
    }
}

extension PasskeyPublicKey: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.algorithm == rhs.algorithm && lhs.jwk.map(\.name) == rhs.jwk.map(\.name) && lhs.jwk.map(\.value) == rhs.jwk.map(\.value)
    }
}
