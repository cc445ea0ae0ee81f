import Foundation

/// The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2): each refresh
/// token works once; presenting one again means it was copied, and its whole family is revoked.
public enum RefreshTokenGrant: RedeemingGrant {
    public static let value = SealedGrant<RefreshToken>.refreshToken

    public static func redeem(_ sealed: Sealed<RefreshToken>, _ request: TokenRequest) async throws(OAuthError) -> TokenResponse {
        let token = sealed.payload
        // RFC 6749 §6: the scope may narrow, never widen.
        var scopes = token.scopes
        if request.parameters["scope"] != nil {
            scopes = try ScopeRequest.parse(request.parameters["scope"], client: request.client, config: request.config)
            if let extra = scopes.first(where: { !token.scopes.contains($0) }) {
                throw .invalidScope("scope \(extra) was not granted to this refresh token")
            }
        }
        let user = try request.deployment.user(of: token.subject, missing: "the user of this refresh token no longer exists")
        // RFC 8707 §2.2: any one of the APIs the grant was authorized for, one per request.
        let target = try ResourceRequest.target(request.parameters, client: request.client, config: request.config, granted: token.resources ?? [])
        // Before the rotation: a token that cannot be issued must not spend the generation,
        // or the client's retry would look like a replay and revoke its family.
        _ = try TokenIssuer.Audience(target, scopes: scopes, client: request.client, config: request.config)
        let lifetimes = request.config.lifetimes
        try await withStateStore {
            // Revoked family, ended session, operator epochs: one read. A spent generation is
            // left to the claim below, which must see it anyway and revokes the family.
            var presented = Revocations.Presented(token)
            presented.generation = nil
            if let refusal = try await request.state.revocations.refusal(for: presented) {
                throw OAuthError.invalidGrant(refusal == .familyRevoked ? "the refresh token was revoked" : refusal.description)
            }
            guard try await request.state.refreshFamilies.rotate(family: token.family, generation: token.generation, lifetimes: lifetimes)
            else {
                try await request.state.refreshFamilies.revoke(family: token.family, lifetimes: lifetimes, now: request.now)
                throw OAuthError.invalidGrant("the refresh token was already used; its family is revoked")
            }
        }
        // OIDC Core §12.2: a refreshed ID token carries no nonce.
        return try await request.issuer.issue(
            .init(
                client: request.client,
                user: user,
                scopes: scopes,
                nonce: nil,
                authTime: token.authTime,
                sessionID: token.sessionID,
                amr: token.amr,
                family: token.family,
                generation: token.generation + 1,
                resources: token.resources,
                grantedAt: token.grantedAt ?? token.authTime,
                // RFC 6749 §6: the new refresh token's scope is the old one's; only this
                // response's tokens are narrowed.
                refreshScopes: token.scopes
            ),
            for: target,
            now: request.now
        )
    }
}
