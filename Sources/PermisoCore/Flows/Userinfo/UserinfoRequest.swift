public import Foundation

/// The UserInfo endpoint's answer (OIDC Core §5.3): the claims an access token's scopes
/// release, for the same `sub` as its ID token.
///
/// The token is verified offline like any resource server would (signature by `kid`, `typ`,
/// `iss`, expiry), plus the checks only the provider can make: the token, its grant, its session, its user
/// and its client were not revoked since (`Revocations`).
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
        // RFC 9068 §4: userinfo is a resource too; a token for an API is not for it.
        guard claims.audience.contains(context.config.issuer.absoluteString) else {
            throw BearerTokenError(.invalidToken("this token is for another resource"))
        }
        guard claims.scopes.contains("openid") else {
            throw BearerTokenError(.insufficientScope("userinfo needs a token with the openid scope"))
        }
        // Logged-out sessions, revoked families and tokens, operator epochs: one store read
        // (with Redis, one round trip). When the store cannot answer, userinfo keeps serving:
        // the token is authentic and unexpired, and resource servers accept it offline on
        // exactly those grounds anyway (docs/SECURITY.md).
        if let refusal = try? await context.state.revocations.refusal(for: Revocations.Presented(claims)) {
            throw BearerTokenError(.invalidToken(refusal.description))
        }
        guard context.config.client(id: claims.clientID) != nil else {
            throw BearerTokenError(.invalidToken("the client of this token no longer exists"))
        }
        guard let user = context.config.user(subject: claims.subject) else {
            throw BearerTokenError(.invalidToken("the user of this token no longer exists"))
        }
        var body = context.issuer.releasedClaims(user, scopes: claims.scopes)
        body["sub"] = .string(user.subject)
        return body
    }
}
