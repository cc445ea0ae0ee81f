public import Foundation

/// The revocation endpoint (RFC 7009): a client says it no longer needs a token.
///
/// A refresh token revokes its whole family — every refresh token and access token of the
/// grant (§2.1: revoking a refresh token SHOULD revoke the grant's access tokens). An access
/// token is refused by its `jti` at userinfo and introspection until it expires; the refresh
/// tokens of its grant are kept (§2.1 makes that a MAY). A resource server that validates
/// tokens offline never learns of either, which is why access tokens are short-lived.
///
/// A token Permiso does not recognize — unknown, expired, already revoked — answers success
/// as §2.2 says: there is nothing left to revoke, and a client cannot tell which it was.
/// A token issued to another client is refused (§2.1) and stays valid. Each client may write
/// a bounded number of revocations per user and window (`RevocationThrottle`), so none can
/// fill the store for the others.
public struct TokenRevocation: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    public func revoke(token: String?, client: ClientConfig, now: Date) async throws(OAuthError) {
        guard let token else { throw .invalidRequest("token is required") }
        guard let presented = await PresentedToken.recognize(token, context: context, now: now) else { return }
        guard presented.clientID == client.id else {
            throw .unauthorizedClient("the token was issued to another client")
        }
        let state = context.state
        let lifetimes = context.config.lifetimes
        try await withStateStore {
            guard try await state.revocationRequests.admit(clientID: client.id, subject: presented.presented.subject) else {
                throw ThrottleRefusal.revocation.error
            }
            switch presented {
            case .refresh(let sealed):
                try await state.refreshFamilies.revoke(family: sealed.payload.family, lifetimes: lifetimes, now: now)
            case .access(let claims):
                try await state.revocations.revoke(accessTokenID: claims.tokenID, expiresAt: claims.expiresAt, now: now)
            }
        }
    }
}
