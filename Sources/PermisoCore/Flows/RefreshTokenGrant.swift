public import Foundation

/// The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2): each refresh
/// token works once; presenting one again means it was copied, and its whole family is revoked.
public struct RefreshTokenGrant: Sendable {
    public var issuer: TokenIssuer
    public var state: ProtocolState

    public init(issuer: TokenIssuer, state: ProtocolState) {
        self.issuer = issuer
        self.state = state
    }

    public func refresh(
        client: ClientConfig,
        parameters: FormParameters,
        now: Date
    ) async throws(OAuthError)
        -> TokenResponse
    {
        let token = try SealedGrant<RefreshToken>.refreshToken.open(for: client, parameters, sealer: issuer.sealer, now: now)
            .payload
        // RFC 6749 §6: the scope may narrow, never widen.
        var scopes = token.scopes
        if parameters["scope"] != nil {
            scopes = try ScopeRequest.parse(parameters["scope"], client: client, config: issuer.deployment.config)
            if let extra = scopes.first(where: { !token.scopes.contains($0) }) {
                throw .invalidScope("scope \(extra) was not granted to this refresh token")
            }
        }
        let user = try issuer.deployment.user(of: token.subject, missing: "the user of this refresh token no longer exists")
        let lifetimes = issuer.deployment.config.lifetimes
        try await withStateStore {
            if try await state.refreshFamilies.isRevoked(family: token.family) {
                throw OAuthError.invalidGrant("the refresh token was revoked")
            }
            if try await state.sessions.isEnded(sessionID: token.sessionID) {
                throw OAuthError.invalidGrant("the session of this refresh token has ended")
            }
            guard try await state.refreshFamilies.rotate(family: token.family, generation: token.generation, lifetimes: lifetimes)
            else {
                try await state.refreshFamilies.revoke(family: token.family, lifetimes: lifetimes, now: now)
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
