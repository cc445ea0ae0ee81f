public import Crypto
public import CryptoExtras
internal import Foundation

/// A private signing key loaded from a PKCS#8 PEM file.
public struct SigningKey: Sendable {
    public enum Material: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    public let algorithm: SigningAlgorithm
    public let material: Material
    /// The RFC 7638 thumbprint of the public key.
    public let kid: String
    /// The public JWK with `kid`, `alg` and `use`.
    public let publicJWK: JSONWebKey

    public init(algorithm: SigningAlgorithm, material: Material) throws {
        self.algorithm = algorithm
        self.material = material
        var jwk = try Self.publicMembers(of: material)
        let kid = jwk.thumbprint()
        jwk.kid = kid
        jwk.alg = algorithm.rawValue
        jwk.use = "sig"
        self.kid = kid
        self.publicJWK = jwk
    }

    /// Makes a fresh key: RSA keys are 2048 bits, the size RS256 and PS256 require at least.
    public static func generate(_ algorithm: SigningAlgorithm) throws -> SigningKey {
        switch algorithm.keyType {
        case .rsa: return try SigningKey(algorithm: algorithm, material: .rsa(.init(keySize: .bits2048)))
        case .p256: return try SigningKey(algorithm: algorithm, material: .p256(.init()))
        case .ed25519: return try SigningKey(algorithm: algorithm, material: .ed25519(.init()))
        }
    }

    /// Reads a PEM key for `algorithm`; says which kind of key the file holds when it is not the expected one.
    public static func load(pem: String, algorithm: SigningAlgorithm) throws(KeyLoadProblem) -> SigningKey {
        let material: Material
        do {
            material = try parse(pem: pem, as: algorithm.keyType)
        } catch {
            let actual = [KeyType.rsa, .p256, .ed25519].first { (try? parse(pem: pem, as: $0)) != nil }
            if let actual {
                throw .algorithmMismatch(expected: algorithm, actual: actual)
            }
            throw .unreadable("not a PKCS#8 PEM private key")
        }
        if case .rsa(let key) = material, key.keySizeInBits < 2048 {
            throw .unreadable("RSA keys must have at least 2048 bits, this one has \(key.keySizeInBits)")
        }
        do {
            return try SigningKey(algorithm: algorithm, material: material)
        } catch {
            throw .unreadable("cannot read the public key: \(error)")
        }
    }

    private static func parse(pem: String, as type: KeyType) throws -> Material {
        switch type {
        case .rsa: return .rsa(try _RSA.Signing.PrivateKey(pemRepresentation: pem))
        case .p256: return .p256(try P256.Signing.PrivateKey(pemRepresentation: pem))
        case .ed25519: return .ed25519(try Curve25519.Signing.PrivateKey(pemRepresentation: pem))
        }
    }

    /// The key as a PKCS#8 PEM document, for `keys/`.
    public var pkcs8PEM: String {
        switch material {
        case .rsa(let key): return key.pkcs8PEMRepresentation
        case .p256(let key): return key.pemRepresentation
        case .ed25519(let key): return key.pemRepresentation
        }
    }

    private static func publicMembers(of material: Material) throws -> JSONWebKey {
        switch material {
        case .rsa(let key):
            let primitives = try key.publicKey.getKeyPrimitives()
            return JSONWebKey(
                kty: "RSA",
                n: primitives.modulus.strippingLeadingZeros.base64URLEncodedString,
                e: primitives.publicExponent.strippingLeadingZeros.base64URLEncodedString
            )
        case .p256(let key):
            // x963: 0x04 || X (32 bytes) || Y (32 bytes).
            let point = key.publicKey.x963Representation
            return JSONWebKey(
                kty: "EC",
                crv: "P-256",
                x: point.dropFirst().prefix(32).base64URLEncodedString,
                y: point.suffix(32).base64URLEncodedString
            )
        case .ed25519(let key):
            return JSONWebKey(kty: "OKP", crv: "Ed25519", x: key.publicKey.rawRepresentation.base64URLEncodedString)
        }
    }
}

/// Why a key file could not be used.
public enum KeyLoadProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(String)
    case algorithmMismatch(expected: SigningAlgorithm, actual: KeyType)

    public var description: String {
        switch self {
        case .unreadable(let reason): return reason
        case .algorithmMismatch(let expected, let actual):
            return "the file holds \(actual.rawValue), but \(expected.rawValue) needs \(expected.keyType.rawValue)"
        }
    }
}

extension Data {
    /// JWK integers are unsigned big-endian without leading zero octets (RFC 7518 §2).
    var strippingLeadingZeros: Data {
        let trimmed = drop { $0 == 0 }
        return trimmed.isEmpty ? Data([0]) : Data(trimmed)
    }
}
