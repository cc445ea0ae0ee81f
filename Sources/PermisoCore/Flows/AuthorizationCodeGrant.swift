public import Foundation

/// Redeems a sealed authorization code at the token endpoint (RFC 6749 §4.1.3, OIDC Core §3.1.3.2).
///
/// The checks run in this order on purpose: everything a stolen code cannot pass (client,
/// redirect URI, PKCE) comes before the single-use claim, so a thief cannot burn the real
/// client's code; a second redemption revokes the refresh tokens the first one got.
public struct AuthorizationCodeGrant: Sendable {
    public var issuer: TokenIssuer
    public var store: any StateStore

    public init(issuer: TokenIssuer, store: any StateStore) {
        self.issuer = issuer
        self.store = store
    }

    public func redeem(
        client: ClientConfig,
        parameters: FormParameters,
        now: Date
    ) async throws(OAuthError)
        -> TokenResponse
    {
        guard client.grantTypes.contains(.authorizationCode) else {
            throw .unauthorizedClient("this client may not use the authorization_code grant")
        }
        guard let text = parameters["code"] else { throw .invalidRequest("code is required") }
        let sealed: Sealed<AuthorizationCode>
        do {
            sealed = try issuer.sealer.open(text, as: AuthorizationCode.self, purpose: .code, now: now)
        } catch {
            throw .invalidGrant("the code is invalid or has expired")
        }
        let code = sealed.payload
        guard code.clientID == client.id else { throw .invalidGrant("the code was issued to another client") }
        // RFC 6749 §4.1.3: the same redirect_uri as the authorization request, if it sent one.
        if let redirectURI = code.redirectURI, parameters["redirect_uri"] != redirectURI {
            throw .invalidGrant("redirect_uri does not match the authorization request")
        }
        try PKCE.verify(verifier: parameters["code_verifier"], challenge: code.codeChallenge)
        guard let user = issuer.deployment.config.user(subject: code.subject) else {
            throw .invalidGrant("the user of this code no longer exists")
        }
        let family = sealed.jti
        try await withStateStore {
            let lifetime = max(1, Int(sealed.expiresAt.timeIntervalSince(now).rounded(.up)) + 1)
            // Both questions go to the store at once: with Redis they share one round trip.
            async let claimed = store.claimOnce("code:\(sealed.jti)", lifetime: lifetime)
            async let ended = store.isDenied("sid:\(code.sessionID)")
            guard try await claimed else {
                // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes what it was exchanged for.
                let refreshLifetime = TimeInterval(issuer.deployment.config.lifetimes.refreshToken)
                try await store.deny("family:\(family)", until: now.addingTimeInterval(refreshLifetime))
                throw OAuthError.invalidGrant("the code was already used; the tokens issued for it are revoked")
            }
            if try await ended {
                throw OAuthError.invalidGrant("the session of this code has ended")
            }
        }
        return try await issuer.issue(
            .init(
                client: client,
                user: user,
                scopes: code.scopes,
                nonce: code.nonce,
                authTime: code.authTime,
                sessionID: code.sessionID,
                amr: code.amr,
                family: family,
                generation: 0
            ),
            now: now
        )
    }
}
