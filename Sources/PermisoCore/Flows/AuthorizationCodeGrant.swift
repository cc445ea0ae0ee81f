import Foundation

/// Redeems a sealed authorization code at the token endpoint (RFC 6749 §4.1.3, OIDC Core §3.1.3.2).
///
/// The checks run in this order on purpose: everything a stolen code cannot pass (client,
/// redirect URI, PKCE) comes before the single-use claim, so a thief cannot burn the real
/// client's code; a second redemption revokes the refresh tokens the first one got.
public enum AuthorizationCodeGrant: RedeemingGrant {
    public static let value = SealedGrant<AuthorizationCode>.code

    public static func redeem(_ sealed: Sealed<AuthorizationCode>, _ request: TokenRequest) async throws(OAuthError) -> TokenResponse {
        let code = sealed.payload
        // RFC 6749 §4.1.3: the same redirect_uri as the authorization request, if it sent one.
        if let redirectURI = code.redirectURI, request.parameters["redirect_uri"] != redirectURI {
            throw .invalidGrant("redirect_uri does not match the authorization request")
        }
        try PKCE.verify(verifier: request.parameters["code_verifier"], challenge: code.codeChallenge)
        // RFC 8707 §2.2: the token's API, within what the authorization request named.
        let target = try ResourceRequest.target(request.parameters, client: request.client, config: request.config, granted: code.resources ?? [])
        // Before the claim: a token that cannot be issued must not burn the code.
        _ = try TokenIssuer.Audience(target, scopes: code.scopes, client: request.client, config: request.config)
        let user = try request.deployment.user(of: code.subject, missing: "the user of this code no longer exists")
        // The code's tokens form a refresh family named by the code, so a replay can revoke them.
        let family = sealed.jti
        try await withStateStore {
            // Both questions go to the store at once: with Redis they share one round trip. A
            // code sealed before it carried its issue time counts from its sign-in.
            let presented = Revocations.Presented(
                subject: code.subject,
                clientID: code.clientID,
                issuedAt: code.issuedAt ?? code.authTime,
                authTime: code.authTime,
                sessionID: code.sessionID
            )
            async let claimed = request.state.codes.claim(codeID: sealed.jti, expiresAt: sealed.expiresAt, now: request.now)
            async let refusal = request.state.revocations.refusal(for: presented)
            guard try await claimed else {
                // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes what it was exchanged for.
                try await request.state.refreshFamilies.revoke(family: family, lifetimes: request.config.lifetimes, now: request.now)
                throw OAuthError.invalidGrant("the code was already used; the tokens issued for it are revoked")
            }
            if let refusal = try await refusal {
                throw OAuthError.invalidGrant(refusal == .sessionEnded ? "the session of this code has ended" : refusal.description)
            }
        }
        return try await request.issuer.issue(
            .init(
                client: request.client,
                user: user,
                scopes: code.scopes,
                nonce: code.nonce,
                authTime: code.authTime,
                sessionID: code.sessionID,
                amr: code.amr,
                family: family,
                generation: 0,
                resources: code.resources,
                grantedAt: Int(request.now.timeIntervalSince1970)
            ),
            for: target,
            now: request.now
        )
    }
}
