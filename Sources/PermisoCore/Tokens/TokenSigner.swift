import Crypto
public import Foundation
public import JWTKit

/// Signs and verifies the JWTs Permiso issues.
///
/// Signing uses each algorithm's active key, called directly: OpenSSL for RSA (DESIGN.md),
/// swift-crypto for P-256 and Ed25519, with each token type's JOSE header encoded once. A
/// token is then one payload encoding and one signature, with no hop into jwt-kit's key
/// collection (an actor) on the request path. Verification stays with jwt-kit. Verification accepts any published key (next,
/// active, retired), found by `kid` only: an unknown `kid`, a header `alg` other than the
/// key's own, `none`, or the wrong `typ` is refused before jwt-kit checks the signature.
public struct TokenSigner: Sendable {
    private let collection: JWTKeyCollection
    /// The active key of each algorithm, ready to sign.
    private let active: [SigningAlgorithm: ActiveKey]
    private let published: [String: SigningAlgorithm]
    public let issuer: String

    /// An active key: its signing primitive and its headers, base64url-encoded once per token type.
    private struct ActiveKey: Sendable {
        var kid: String
        var signer: Signer
        var headers: [TokenType: String]
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

    /// One encoder for every payload: encoding is safe from many threads at once.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // jwt-kit encodes dates as seconds, like every JWT claim (RFC 7519 §2 NumericDate).
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    public init(keys: KeyRing, issuer: String) async throws {
        let collection = JWTKeyCollection()
        var published: [String: SigningAlgorithm] = [:]
        for entry in keys.signing {
            let key = entry.key
            let kid = JWKIdentifier(string: key.kid)
            switch key.material {
            case .rsa(let rsa):
                let jwtKey = try Insecure.RSA.PrivateKey(backing: rsa)
                if key.algorithm == .ps256 {
                    await collection.add(pss: jwtKey, digestAlgorithm: .sha256, kid: kid)
                } else {
                    await collection.add(rsa: jwtKey, digestAlgorithm: .sha256, kid: kid)
                }
            case .p256(let p256):
                await collection.add(ecdsa: try ES256PrivateKey(backing: p256), kid: kid)
            case .ed25519(let ed25519):
                await collection.add(eddsa: EdDSA.PrivateKey(backing: ed25519), kid: kid)
            }
            published[key.kid] = key.algorithm
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
                headers[type] = try Self.encoder.encode(header).base64URLEncodedString
            }
            active[algorithm] = ActiveKey(kid: key.kid, signer: signer, headers: headers)
        }
        self.active = active
        // Without a default, jwt-kit cannot fall back to some key when a kid is unknown.
        _ = await collection.clearDefault()
        self.collection = collection
        self.published = published
        self.issuer = issuer
    }

    /// Token types this signer issues, as the JOSE `typ` header.
    public enum TokenType: String, Sendable, CaseIterable {
        case idToken = "JWT"
        /// RFC 9068 §2.1.
        case accessToken = "at+jwt"
    }

    public func sign(_ payload: some JWTPayload, algorithm: SigningAlgorithm, type: TokenType) throws -> String {
        guard let key = active[algorithm], let header = key.headers[type] else {
            throw OAuthError.serverError("no active \(algorithm.rawValue) key")
        }
        let input = header + "." + (try Self.encoder.encode(payload)).base64URLEncodedString
        return input + "." + (try key.signer.sign(Array(input.utf8))).base64URLEncodedString
    }

    /// Verifies an access token this deployment issued and that is still valid at `now`.
    public func verifyAccessToken(_ token: String, now: Date) async throws(OAuthError) -> AccessTokenClaims {
        try checkHeader(token, type: .accessToken)
        let claims: AccessTokenClaims
        do {
            claims = try await collection.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw .invalidToken("the access token's signature or contents are not valid")
        }
        guard claims.iss.value == issuer else { throw .invalidToken("the access token was issued by someone else") }
        guard now < claims.exp.value else { throw .invalidToken("the access token has expired") }
        return claims
    }

    /// Verifies an ID token this deployment issued, expired or not: RP-initiated logout's
    /// `id_token_hint` is often an old token (OpenID RP-Initiated Logout 1.0 §2).
    public func verifyIDTokenHint(_ token: String) async throws(OAuthError) -> IDTokenClaims {
        try checkHeader(token, type: .idToken)
        let claims: IDTokenClaims
        do {
            claims = try await collection.verify(token, as: IDTokenClaims.self)
        } catch {
            throw .invalidRequest("id_token_hint is not a valid ID token")
        }
        guard claims.iss == issuer else { throw .invalidRequest("id_token_hint was issued by someone else") }
        return claims
    }

    /// The header must name a published key, that key's own algorithm, and the expected type.
    private func checkHeader(_ token: String, type: TokenType) throws(OAuthError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 16_384, let data = Data(base64URLEncoded: parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: data)
        else { throw .invalidToken("the access token is not a signed JWT") }
        guard let kid = header.kid, let algorithm = published[kid] else {
            throw .invalidToken("the access token's key is not one of this issuer's")
        }
        guard header.alg == algorithm.rawValue else { throw .invalidToken("the access token's alg does not match its key") }
        guard header.typ?.lowercased() == type.rawValue.lowercased() else {
            throw .invalidToken("the token is not an access token (typ \(header.typ ?? "missing"))")
        }
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
        var typ: String?
    }
}
