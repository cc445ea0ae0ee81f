public import Foundation

/// The introspection endpoint (RFC 7662): a resource server asks whether a token is active
/// and what it grants.
///
/// Only clients the config allows (`introspect: true`) may ask, so the endpoint is no oracle
/// for guessing tokens (§4). Active means authentic, unexpired, issued to a client and for a
/// user that still exist and are not disabled, and not revoked (`Revocations`); an access
/// token must also be for audiences the config still has, the issuer or APIs its client may
/// still ask for (a token for an API since removed, or since taken from the client, is for
/// nothing Permiso vouches for, as a refresh for it is refused), and a refresh token must not
/// have been used. Anything else is `{"active": false}` and nothing more
/// (§2.2). When the store cannot say whether a token was revoked, the answer is
/// `temporarily_unavailable`: the caller asked precisely because an offline check was not
/// enough, so guessing "active" would defeat it.
public struct TokenIntrospection: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    public func answer(token: String?, caller: ClientConfig, now: Date) async throws(OAuthError) -> IntrospectionResponse {
        guard caller.introspect else { throw .unauthorizedClient("this client may not introspect tokens") }
        guard let token else { throw .invalidRequest("token is required") }
        guard let presented = await PresentedToken.recognize(token, context: context, now: now) else { return .inactive }
        let config = context.config
        guard let client = config.client(id: presented.clientID) else { return .inactive }
        if case .access(let claims) = presented {
            // Each audience the issuer, or an API the config has and the client may still ask for.
            let issuer = config.issuer.absoluteString
            let current = { (audience: String) in
                audience == issuer || (config.resource(id: audience) != nil && client.resources.contains(audience))
            }
            guard !claims.audience.isEmpty, claims.audience.allSatisfy(current) else { return .inactive }
        }
        var user: UserConfig?
        if let subject = presented.userSubject {
            guard let found = config.user(subject: subject) else { return .inactive }
            user = found
        }
        let refusal = try await withStateStore { try await context.state.revocations.refusal(for: presented.presented) }
        guard refusal == nil else { return .inactive }
        let issuer = config.issuer.absoluteString
        switch presented {
        case .access(let claims):
            return IntrospectionResponse(
                active: true,
                scope: claims.scope,
                clientID: claims.clientID,
                username: user?.username,
                tokenType: "Bearer",
                exp: Int(claims.expiresAt.timeIntervalSince1970),
                iat: claims.issuedAt,
                sub: claims.subject,
                aud: claims.audience,
                iss: claims.issuer,
                jti: claims.tokenID
            )
        case .refresh(let sealed):
            let payload = sealed.payload
            return IntrospectionResponse(
                active: true,
                scope: payload.scopes.joined(separator: " "),
                clientID: payload.clientID,
                username: user?.username,
                // RFC 7662 §2.2's token_type is an access token type (RFC 6749 §7.1); a refresh token has none.
                tokenType: nil,
                exp: Int(sealed.expiresAt.timeIntervalSince1970),
                iat: payload.issuedAt,
                sub: payload.subject,
                iss: issuer
            )
        }
    }
}

/// The introspection response (RFC 7662 §2.2): `active`, and for an active token the
/// registered members that describe it.
public struct IntrospectionResponse: Sendable, Equatable {
    public var active: Bool
    public var scope: String?
    public var clientID: String?
    /// The user's username, for people reading logs (§2.2); `sub` is what to key on.
    public var username: String?
    public var tokenType: String?
    public var exp: Int?
    public var iat: Int?
    public var sub: String?
    public var aud: [String]?
    public var iss: String?
    public var jti: String?

    /// An inactive token: `{"active":false}` and nothing else, so nothing is said about a
    /// token the caller should not know about (§2.2).
    public static let inactive = IntrospectionResponse(active: false)

    public init(
        active: Bool,
        scope: String? = nil,
        clientID: String? = nil,
        username: String? = nil,
        tokenType: String? = nil,
        exp: Int? = nil,
        iat: Int? = nil,
        sub: String? = nil,
        aud: [String]? = nil,
        iss: String? = nil,
        jti: String? = nil
    ) {
        self.active = active
        self.scope = scope
        self.clientID = clientID
        self.username = username
        self.tokenType = tokenType
        self.exp = exp
        self.iat = iat
        self.sub = sub
        self.aud = aud
        self.iss = iss
        self.jti = jti
    }

    /// The body, keys sorted, written directly (see `CompactJSON`).
    public var compactJSON: [UInt8] {
        guard active else { return Array(#"{"active":false}"#.utf8) }
        var json = CompactJSON()
        json.bool("active", true)
        if let aud { if aud.count == 1 { json.field("aud", aud[0]) } else { json.field("aud", aud) } }
        if let clientID { json.field("client_id", clientID) }
        if let exp { json.field("exp", exp) }
        if let iat { json.field("iat", iat) }
        if let iss { json.field("iss", iss) }
        if let jti { json.field("jti", jti) }
        if let scope { json.field("scope", scope) }
        if let sub { json.field("sub", sub) }
        if let tokenType { json.field("token_type", tokenType) }
        if let username { json.field("username", username) }
        return json.finish()
    }
}
