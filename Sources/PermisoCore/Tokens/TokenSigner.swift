import Crypto
import CryptoExtras
public import Foundation
public import JWTKit
import Tracing

/// Signs and verifies the JWTs Permiso issues.
///
/// Signing uses each algorithm's active key, called directly: OpenSSL for RSA (docs/ARCHITECTURE.md "RSA through libcrypto"),
/// swift-crypto for P-256 and Ed25519, with each token type's JOSE header encoded once. A
/// token is then one payload encoding and one signature. Verification accepts any published
/// key (next, active, retired), found by `kid` only: an unknown `kid`, a header `alg` other
/// than the key's own, `none`, or the wrong `typ` is refused before the signature is checked,
/// with that key's swift-crypto public key. Neither path goes through jwt-kit's key
/// collection: it is an actor, one queue every userinfo request waited in (a p99 of 0.2 s
/// under load with the tasks on NIO's event loops).
public struct TokenSigner: Sendable {
    /// The active key of each algorithm, ready to sign.
    private let active: [SigningAlgorithm: ActiveKey]
    /// Every published key by `kid`: its algorithm and its public key.
    private let published: [String: PublishedKey]
    public let issuer: String

    /// An active key: its signing primitive and its headers, base64url-encoded once per token type.
    private struct ActiveKey: Sendable {
        var kid: String
        var signer: Signer
        var headers: [TokenType: String]
    }

    private struct PublishedKey: Sendable {
        var algorithm: SigningAlgorithm
        var verifier: Verifier
    }

    private enum Verifier: Sendable {
        case rsa(_RSA.Signing.PublicKey, _RSA.Signing.Padding)
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)

        /// RS256/PS256 hash with SHA-256 (swift-crypto's default for data); ES256 signatures
        /// are R || S (RFC 7518 §3.4), so anything but 64 bytes is refused.
        func isValid(_ signature: Data, for input: ArraySlice<UInt8>) -> Bool {
            switch self {
            case .rsa(let key, let padding):
                key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: padding)
            case .p256(let key):
                (try? P256.Signing.ECDSASignature(rawRepresentation: signature)).map { key.isValidSignature($0, for: input) }
                    ?? false
            case .ed25519(let key):
                key.isValidSignature(signature, for: input)
            }
        }
    }

    private enum Signer: Sendable {
        case rsa(OpenSSLRSASigner)
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)

        func sign(_ input: [UInt8]) throws -> Data {
            switch self {
            case .rsa(let signer): Data(try signer.sign(input))
            // RFC 7518 §3.4: an ES256 signature is R || S, 32 bytes each, not DER.
            case .p256(let key): try key.signature(for: input).rawRepresentation
            case .ed25519(let key): try key.signature(for: input)
            }
        }
    }

    /// Claims are NumericDates in seconds (RFC 7519 §2), as the encoder writes them.
    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    public init(keys: KeyRing, issuer: String) async throws {
        var published: [String: PublishedKey] = [:]
        for entry in keys.signing {
            let key = entry.key
            let verifier: Verifier
            switch key.material {
            case .rsa(let rsa): verifier = .rsa(rsa.publicKey, key.algorithm == .ps256 ? .PSS : .insecurePKCS1v1_5)
            case .p256(let p256): verifier = .p256(p256.publicKey)
            case .ed25519(let ed25519): verifier = .ed25519(ed25519.publicKey)
            }
            published[key.kid] = PublishedKey(algorithm: key.algorithm, verifier: verifier)
        }
        var active: [SigningAlgorithm: ActiveKey] = [:]
        for algorithm in SigningAlgorithm.allCases {
            guard let key = keys.activeKey(for: algorithm) else { continue }
            let signer: Signer
            switch key.material {
            case .rsa: signer = .rsa(try OpenSSLRSASigner(pkcs8PEM: key.pkcs8PEM, padding: algorithm == .ps256 ? .pss : .pkcs1))
            case .p256(let p256): signer = .p256(p256)
            case .ed25519(let ed25519): signer = .ed25519(ed25519)
            }
            var headers: [TokenType: String] = [:]
            for type in TokenType.allCases {
                let header = ["alg": algorithm.rawValue, "kid": key.kid, "typ": type.rawValue]
                headers[type] = try StableJSON.compactEncoder.encode(header).base64URLEncodedString
            }
            active[algorithm] = ActiveKey(kid: key.kid, signer: signer, headers: headers)
        }
        self.active = active
        self.published = published
        self.issuer = issuer
    }

    /// Token types this signer issues, as the JOSE `typ` header.
    public enum TokenType: String, Sendable, CaseIterable {
        case idToken = "JWT"
        /// RFC 9068 §2.1.
        case accessToken = "at+jwt"
        /// OpenID Connect Back-Channel Logout 1.0 §2.4: so a logout token is never mistaken for another JWT.
        case logoutToken = "logout+jwt"
    }

    public func sign(_ payload: some JWTPayload, algorithm: SigningAlgorithm, type: TokenType) throws -> String {
        // A span per signature (`permiso serve --tracing`): RSA's is the costliest step of a grant.
        let span = startSpan("permiso.sign", ofKind: .internal)
        defer { span.end() }
        span.attributes["permiso.alg"] = algorithm.rawValue
        span.attributes["permiso.token_type"] = type.rawValue
        guard let key = active[algorithm], let header = key.headers[type] else {
            throw OAuthError.serverError("no active \(algorithm.rawValue) key")
        }
        let json: Data
        if let claims = payload as? AccessTokenClaims {
            json = Data(claims.compactJSON)
        } else {
            json = try StableJSON.compactEncoder.encode(payload)
        }
        let input = header + "." + json.base64URLEncodedString
        return input + "." + (try key.signer.sign(Array(input.utf8))).base64URLEncodedString
    }

    /// Verifies an access token this deployment issued and that is still valid at `now`.
    public func verifyAccessToken(_ token: String, now: Date) async throws(OAuthError) -> AccessTokenClaims {
        guard let claims = try verifiedClaims(token, type: .accessToken, as: AccessTokenClaims.self) else {
            throw .invalidToken("the access token's signature or contents are not valid")
        }
        guard claims.iss.value == issuer else { throw .invalidToken("the access token was issued by someone else") }
        guard now < claims.exp.value else { throw .invalidToken("the access token has expired") }
        return claims
    }

    /// Verifies an ID token this deployment issued, expired or not: RP-initiated logout's
    /// `id_token_hint` is often an old token (OpenID RP-Initiated Logout 1.0 §2).
    public func verifyIDTokenHint(_ token: String) async throws(OAuthError) -> IDTokenClaims {
        guard let claims = try verifiedClaims(token, type: .idToken, as: IDTokenClaims.self) else {
            throw .invalidRequest("id_token_hint is not a valid ID token")
        }
        guard claims.iss == issuer else { throw .invalidRequest("id_token_hint was issued by someone else") }
        return claims
    }

    /// The claims of `token` if its signature is valid; nil if the signature or the payload is not.
    /// The header must name a published key, that key's own algorithm, and the expected type,
    /// else the error says which.
    private func verifiedClaims<Claims: Decodable>(
        _ token: String,
        type: TokenType,
        as: Claims.Type
    ) throws(OAuthError) -> Claims? {
        let span = startSpan("permiso.verify", ofKind: .internal)
        defer { span.end() }
        span.attributes["permiso.token_type"] = type.rawValue
        // Split on the bytes, after the size check: a JWT is ASCII (RFC 7515 §7.1), and
        // splitting by Character would walk grapheme clusters across whatever a client sent.
        let parts =
            token.utf8.count <= 16_384
            ? token.utf8.split(separator: UInt8(ascii: "."), maxSplits: 3, omittingEmptySubsequences: false).map(Substring.init)
            : []
        guard parts.count == 3, let data = Data(base64URLEncoded: parts[0]),
            let header = try? Self.decoder.decode(Header.self, from: data)
        else { throw .invalidToken("the access token is not a signed JWT") }
        guard let kid = header.kid, let key = published[kid] else {
            throw .invalidToken("the access token's key is not one of this issuer's")
        }
        guard header.alg == key.algorithm.rawValue else { throw .invalidToken("the access token's alg does not match its key") }
        guard header.typ?.lowercased() == type.rawValue.lowercased() else {
            throw .invalidToken("the token is not of the expected type: its typ is not \(type.rawValue)")
        }
        // The signing input is the token's own first two parts, byte for byte (RFC 7515 §5.2).
        let input = Array(token.utf8).prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)
        guard let signature = Data(base64URLEncoded: parts[2]), key.verifier.isValid(signature, for: input),
            let payload = Data(base64URLEncoded: parts[1])
        else { return nil }
        return try? Self.decoder.decode(Claims.self, from: payload)
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
        var typ: String?
    }
}
