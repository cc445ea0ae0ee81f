public import Foundation

/// The UserInfo endpoint's answer (OIDC Core §5.3): the claims an access token's scopes
/// release, for the same `sub` as its ID token.
///
/// The token is verified offline like any resource server would (signature by `kid`, `typ`,
/// `iss`, expiry), plus one check only the provider can make: its session was not logged out.
public struct UserinfoRequest: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    public func claims(accessToken: String, now: Date) async throws(BearerTokenError) -> [String: JSONValue] {
        let claims: AccessTokenClaims
        do {
            claims = try await context.issuer.signer.verifyAccessToken(accessToken, now: now)
        } catch {
            throw BearerTokenError(error)
        }
        guard claims.scopes.contains("openid") else {
            throw BearerTokenError(.insufficientScope("userinfo needs a token with the openid scope"))
        }
        // Logged-out sessions and revoked families are refused while the store answers; both
        // questions go at once (with Redis, one round trip). When it cannot answer, userinfo
        // keeps serving: the token is authentic and unexpired, and resource servers accept it
        // offline on exactly those grounds anyway (docs/SECURITY.md).
        let state = context.state
        async let ended = Self.yes { if let sid = claims.sid { try await state.sessions.isEnded(sessionID: sid) } else { false } }
        async let revoked = Self.yes {
            if let family = claims.family { try await state.refreshFamilies.isRevoked(family: family) } else { false }
        }
        if await ended { throw BearerTokenError(.invalidToken("the session of this token has ended")) }
        if await revoked { throw BearerTokenError(.invalidToken("this token's grant was revoked")) }
        guard let user = context.config.user(subject: claims.subject) else {
            throw BearerTokenError(.invalidToken("the user of this token no longer exists"))
        }
        var body = context.issuer.releasedClaims(user, scopes: claims.scopes)
        body["sub"] = .string(user.subject)
        return body
    }

    /// `true` only when the store answered yes.
    private static func yes(_ question: @Sendable () async throws -> Bool) async -> Bool {
        (try? await question()) == true
    }
}
