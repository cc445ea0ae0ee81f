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
        /// The APIs the grant was authorized for (RFC 8707), kept in its refresh token.
        public var resources: [String]? = nil
        /// When the family's first token was issued (`RefreshToken.grantedAt`).
        public var grantedAt: Int? = nil
        /// The scope sealed into the new refresh token, when a refresh narrowed `scopes` for
        /// this response only; `nil` for `scopes`.
        public var refreshScopes: [String]? = nil
    }

    /// Who an access token is for and what it says: the issuer (userinfo) with every granted
    /// scope, or one API (RFC 8707) with the granted scopes it accepts, its own lifetime and
    /// algorithm. The algorithm is the API's, else the client's `accessTokenSigningAlg`, else
    /// its ID-token algorithm.
    public struct Audience: Sendable {
        public var audience: String
        public var scopes: [String]
        public var lifetime: Int
        public var algorithm: SigningAlgorithm

        public init(_ target: ResourceConfig?, scopes: [String], client: ClientConfig, config: PermisoConfig) throws(OAuthError) {
            if let target {
                audience = target.id
                self.scopes = try ResourceRequest.scopes(scopes, for: target)
                lifetime = target.accessTokenLifetime ?? config.lifetimes.accessToken
                algorithm = target.signingAlgorithm ?? client.accessTokenSigningAlgorithm ?? client.signingAlgorithm
            } else {
                audience = config.issuer.absoluteString
                self.scopes = scopes
                lifetime = config.lifetimes.accessToken
                algorithm = client.accessTokenSigningAlgorithm ?? client.signingAlgorithm
            }
        }
    }

    /// - Parameter target: the API the access token is for (`ResourceRequest.target`), `nil` for the issuer.
    public func issue(_ grant: Grant, for target: ResourceConfig? = nil, now: Date) async throws(OAuthError) -> TokenResponse {
        let config = deployment.config
        let issuer = config.issuer.absoluteString
        let lifetimes = config.lifetimes
        let audience = try Audience(target, scopes: grant.scopes, client: grant.client, config: config)
        do {
            let accessClaims = AccessTokenClaims(
                iss: issuer,
                sub: grant.user.subject,
                aud: [audience.audience],
                exp: now.addingTimeInterval(TimeInterval(audience.lifetime)),
                iat: now,
                // Named by its grant's family (`AccessTokenClaims.family`), so revoking the family
                // — a replayed code, a replayed refresh token — revokes this token too.
                jti: grant.family + "." + UUID().uuidString,
                clientID: grant.client.id,
                scope: audience.scopes,
                authTime: Date(timeIntervalSince1970: TimeInterval(grant.authTime)),
                sid: grant.sessionID
            )
            let accessToken = try signer.sign(accessClaims, algorithm: audience.algorithm, type: .accessToken)
            // The ID token is the client's, whatever API the access token is for.
            let algorithm = grant.client.signingAlgorithm
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
                    scopes: grant.refreshScopes ?? grant.scopes,
                    authTime: grant.authTime,
                    sessionID: grant.sessionID,
                    amr: grant.amr,
                    family: grant.family,
                    generation: grant.generation,
                    issuedAt: Int(now.timeIntervalSince1970),
                    resources: grant.resources,
                    grantedAt: grant.grantedAt ?? Int(now.timeIntervalSince1970)
                )
                refreshToken = try sealer.seal(
                    payload,
                    purpose: .refresh,
                    expiresAt: now.addingTimeInterval(TimeInterval(lifetimes.refreshToken))
                )
            }
            // RFC 6749 §5.1: the scope of the access token, which an API's token may narrow.
            var response = TokenResponse(
                accessToken: accessToken,
                expiresIn: audience.lifetime,
                scope: audience.scopes,
                refreshToken: refreshToken,
                idToken: idToken
            )
            response.signingAlgorithm = audience.algorithm
            return response
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
