public import Foundation

/// The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2): each refresh
/// token works once; presenting one again means it was copied, and its whole family is revoked.
public struct RefreshTokenGrant: Sendable {
    public var issuer: TokenIssuer
    public var store: any StateStore

    public init(issuer: TokenIssuer, store: any StateStore) {
        self.issuer = issuer
        self.store = store
    }

    public func refresh(
        client: ClientConfig,
        parameters: FormParameters,
        now: Date
    ) async throws(OAuthError)
        -> TokenResponse
    {
        guard client.grantTypes.contains(.refreshToken) else {
            throw .unauthorizedClient("this client may not use the refresh_token grant")
        }
        guard let text = parameters["refresh_token"] else { throw .invalidRequest("refresh_token is required") }
        let token: RefreshToken
        do {
            token = try issuer.sealer.open(text, as: RefreshToken.self, purpose: .refresh, now: now).payload
        } catch {
            throw .invalidGrant("the refresh token is invalid or has expired")
        }
        guard token.clientID == client.id else { throw .invalidGrant("the refresh token was issued to another client") }
        // RFC 6749 §6: the scope may narrow, never widen.
        var scopes = token.scopes
        if parameters["scope"] != nil {
            scopes = try ScopeRequest.parse(parameters["scope"], client: client, config: issuer.deployment.config)
            if let extra = scopes.first(where: { !token.scopes.contains($0) }) {
                throw .invalidScope("scope \(extra) was not granted to this refresh token")
            }
        }
        guard let user = issuer.deployment.config.user(subject: token.subject) else {
            throw .invalidGrant("the user of this refresh token no longer exists")
        }
        let refreshLifetime = TimeInterval(issuer.deployment.config.lifetimes.refreshToken)
        try await withStateStore {
            if try await store.isDenied("family:\(token.family)") {
                throw OAuthError.invalidGrant("the refresh token was revoked")
            }
            if try await store.isDenied("sid:\(token.sessionID)") {
                throw OAuthError.invalidGrant("the session of this refresh token has ended")
            }
            guard try await store.claimOnce("refresh:\(token.family):\(token.generation)", lifetime: Int(refreshLifetime)) else {
                try await store.deny("family:\(token.family)", until: now.addingTimeInterval(refreshLifetime))
                throw OAuthError.invalidGrant("the refresh token was already used; its family is revoked")
            }
        }
        // OIDC Core §12.2: a refreshed ID token carries no nonce.
        return try await issuer.issue(
            .init(
                client: client,
                user: user,
                scopes: scopes,
                nonce: nil,
                authTime: token.authTime,
                sessionID: token.sessionID,
                amr: token.amr,
                family: token.family,
                generation: token.generation + 1
            ),
            now: now
        )
    }
}
