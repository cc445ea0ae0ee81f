public import Foundation

/// Issues the tokens of a user's grant: an RFC 9068 access token, an ID token when `openid`
/// was granted, and a sealed refresh token when `offline_access` was and the client may refresh.
public struct TokenIssuer: Sendable {
    public var deployment: Deployment
    public var signer: TokenSigner
    public var sealer: Sealer

    public init(deployment: Deployment, signer: TokenSigner, sealer: Sealer) {
        self.deployment = deployment
        self.signer = signer
        self.sealer = sealer
    }

    /// The user's session as the grant recorded it.
    public struct Grant: Sendable {
        public var client: ClientConfig
        public var user: UserConfig
        public var scopes: [String]
        public var nonce: String?
        public var authTime: Int
        public var sessionID: String
        public var amr: [String]
        /// The refresh-token family and the generation the new refresh token gets.
        public var family: String
        public var generation: Int
    }

    public func issue(_ grant: Grant, now: Date) async throws(OAuthError) -> TokenResponse {
        let config = deployment.config
        let issuer = config.issuer.absoluteString
        let lifetimes = config.lifetimes
        do {
            let accessClaims = AccessTokenClaims(
                iss: issuer,
                sub: grant.user.subject,
                aud: [issuer],
                exp: now.addingTimeInterval(TimeInterval(lifetimes.accessToken)),
                iat: now,
                // Named by its grant's family (`AccessTokenClaims.family`), so revoking the family
                // — a replayed code, a replayed refresh token — revokes this token too.
                jti: grant.family + "." + UUID().uuidString,
                clientID: grant.client.id,
                scope: grant.scopes,
                authTime: Date(timeIntervalSince1970: TimeInterval(grant.authTime)),
                sid: grant.sessionID
            )
            let algorithm = grant.client.signingAlgorithm
            let accessToken = try signer.sign(accessClaims, algorithm: algorithm, type: .accessToken)
            var idToken: String?
            if grant.scopes.contains("openid") {
                let claims = IDTokenClaims(
                    iss: issuer,
                    sub: grant.user.subject,
                    clientID: grant.client.id,
                    exp: now.addingTimeInterval(TimeInterval(lifetimes.idToken)),
                    iat: now,
                    authTime: grant.authTime,
                    nonce: grant.nonce,
                    atHash: TokenHash.atHash(accessToken, algorithm: algorithm),
                    sid: grant.sessionID,
                    amr: grant.amr,
                    userClaims: releasedClaims(grant.user, scopes: grant.scopes)
                )
                idToken = try signer.sign(claims, algorithm: algorithm, type: .idToken)
            }
            var refreshToken: String?
            // OIDC Core §11: offline_access asks for a refresh token; the client must be allowed to refresh.
            if grant.scopes.contains("offline_access"), grant.client.grantTypes.contains(.refreshToken) {
                let payload = RefreshToken(
                    clientID: grant.client.id,
                    subject: grant.user.subject,
                    scopes: grant.scopes,
                    authTime: grant.authTime,
                    sessionID: grant.sessionID,
                    amr: grant.amr,
                    family: grant.family,
                    generation: grant.generation,
                    issuedAt: Int(now.timeIntervalSince1970)
                )
                refreshToken = try sealer.seal(
                    payload,
                    purpose: .refresh,
                    expiresAt: now.addingTimeInterval(TimeInterval(lifetimes.refreshToken))
                )
            }
            return TokenResponse(
                accessToken: accessToken,
                expiresIn: lifetimes.accessToken,
                scope: grant.scopes,
                refreshToken: refreshToken,
                idToken: idToken
            )
        } catch let error as OAuthError {
            throw error
        } catch {
            throw .serverError("the tokens could not be issued")
        }
    }

    /// The user claims the granted scopes release (OIDC Core §5.4).
    public func releasedClaims(_ user: UserConfig, scopes: [String]) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [:]
        for scope in scopes {
            for name in deployment.config.scope(named: scope)?.claims ?? [] {
                if let value = user.claims[name] { claims[name] = value }
            }
        }
        return claims
    }
}
