public import Foundation
public import JWTKit

/// Signs and verifies the JWTs Permiso issues, with jwt-kit over the deployment's keys.
///
/// Signing uses each algorithm's active key. Verification accepts any published key (next,
/// active, retired), found by `kid` only: an unknown `kid`, a header `alg` other than the
/// key's own, `none`, or the wrong `typ` is refused before jwt-kit checks the signature.
public struct TokenSigner: Sendable {
    private let collection: JWTKeyCollection
    private let active: [SigningAlgorithm: String]
    private let published: [String: SigningAlgorithm]
    /// OpenSSL signers for the active RSA keys, by kid.
    private let rsaSigners: [String: OpenSSLRSASigner]
    public let issuer: String

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
        var rsaSigners: [String: OpenSSLRSASigner] = [:]
        for algorithm in [SigningAlgorithm.rs256, .ps256] {
            guard let key = keys.activeKey(for: algorithm) else { continue }
            rsaSigners[key.kid] = try OpenSSLRSASigner(pkcs8PEM: key.pkcs8PEM, padding: algorithm == .ps256 ? .pss : .pkcs1)
        }
        self.rsaSigners = rsaSigners
        // Without a default, jwt-kit cannot fall back to some key when a kid is unknown.
        _ = await collection.clearDefault()
        self.collection = collection
        self.published = published
        self.active = Dictionary(
            uniqueKeysWithValues: SigningAlgorithm.allCases.compactMap { algorithm in
                keys.activeKey(for: algorithm).map { (algorithm, $0.kid) }
            }
        )
        self.issuer = issuer
    }

    /// Token types this signer issues, as the JOSE `typ` header.
    public enum TokenType: String, Sendable {
        case idToken = "JWT"
        /// RFC 9068 §2.1.
        case accessToken = "at+jwt"
    }

    public func sign(_ payload: some JWTPayload, algorithm: SigningAlgorithm, type: TokenType) async throws -> String {
        guard let kid = active[algorithm] else { throw OAuthError.serverError("no active \(algorithm.rawValue) key") }
        if let rsa = rsaSigners[kid] {
            return try Self.compactJWS(payload, header: ["alg": algorithm.rawValue, "kid": kid, "typ": type.rawValue]) {
                try rsa.sign($0)
            }
        }
        var header = JWTHeader()
        header.typ = type.rawValue
        header.alg = algorithm.rawValue
        return try await collection.sign(payload, kid: JWKIdentifier(string: kid), header: header)
    }

    /// JWS compact serialization (RFC 7515 §7.1) with an outside signer: jwt-kit has no public
    /// way to plug in one, so RSA tokens are assembled here and still verified by jwt-kit.
    static func compactJWS(
        _ payload: some Encodable,
        header: [String: String],
        sign: ([UInt8]) throws -> [UInt8]
    ) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // jwt-kit encodes dates as seconds, like every JWT claim (RFC 7519 §2 NumericDate).
        encoder.dateEncodingStrategy = .secondsSince1970
        let input = try encoder.encode(header).base64URLEncodedString + "." + encoder.encode(payload).base64URLEncodedString
        return input + "." + Data(try sign(Array(input.utf8))).base64URLEncodedString
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
