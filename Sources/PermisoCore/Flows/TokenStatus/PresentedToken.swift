public import Foundation

/// A token a client hands back to ask about it or to revoke it (RFC 7662 §2.1, RFC 7009 §2.1):
/// one of this issuer's access tokens or refresh tokens, authentic and unexpired.
///
/// The two kinds are told apart by their shape — an access token is a JWS (three parts
/// joined by dots), a refresh token a sealed value (no dot) — so `token_type_hint` is never
/// needed and a wrong one costs nothing; both RFCs let the server search every type anyway.
public enum PresentedToken: Sendable {
    case access(AccessTokenClaims)
    case refresh(Sealed<RefreshToken>)

    /// `nil` for anything else: another issuer's token, a forged, expired or malformed one,
    /// an ID token (wrong `typ`), a code or a session cookie (another sealing purpose).
    public static func recognize(_ text: String, context: FlowContext, now: Date) async -> PresentedToken? {
        if text.utf8.contains(UInt8(ascii: ".")) {
            guard let claims = try? await context.issuer.signer.verifyAccessToken(text, now: now) else { return nil }
            return .access(claims)
        }
        guard let sealed = try? context.issuer.sealer.open(text, as: RefreshToken.self, purpose: .refresh, now: now) else {
            return nil
        }
        return .refresh(sealed)
    }

    /// The client the token was issued to.
    public var clientID: String {
        switch self {
        case .access(let claims): claims.clientID
        case .refresh(let sealed): sealed.payload.clientID
        }
    }

    /// What `Revocations` asks about it.
    public var presented: Revocations.Presented {
        switch self {
        case .access(let claims): Revocations.Presented(claims)
        case .refresh(let sealed): Revocations.Presented(sealed.payload)
        }
    }

    /// The user it speaks for; `nil` for a client_credentials token, whose subject is its client.
    public var userSubject: String? {
        switch self {
        case .access(let claims): claims.sid == nil ? nil : claims.subject
        case .refresh(let sealed): sealed.payload.subject
        }
    }
}
