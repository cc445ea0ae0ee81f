/// A registered relying party.
public struct ClientConfig: Sendable, Equatable {
    /// What a client id may contain: RFC 3986 unreserved characters, so it needs no escaping
    /// in URLs, forms or Basic credentials. The JSON Schema publishes it; `isID` checks it.
    public static let idPattern = "^[A-Za-z0-9._~-]+$"
    static let idCharacters = "letters, digits, '.', '_', '~' or '-'"

    /// Whether `text` matches `idPattern`.
    public static func isID(_ text: String) -> Bool { ASCIIText.isToken(text, punctuation: "._~-") }

    public var id: String
    public var name: String
    /// The crypt hash of the client secret; `nil` for public clients.
    public var secretHash: String?
    public var authMethod: ClientAuthMethod
    public var redirectURIs: [String]
    public var postLogoutRedirectURIs: [String]
    public var grantTypes: [GrantType]
    public var scopes: [String]
    /// What signs this client's ID tokens (the config's `idTokenSignedResponseAlg`, OIDC
    /// Registration §2), and its access tokens unless `accessTokenSigningAlgorithm` or the
    /// API's own algorithm says otherwise.
    public var signingAlgorithm: SigningAlgorithm
    /// What signs the access tokens this client gets for the issuer (userinfo) and for APIs
    /// that name no algorithm of their own (`accessTokenSigningAlg`): the verifier of an
    /// access token is a resource server, whose library may not take what the client's own
    /// ID-token library takes. `nil`: `signingAlgorithm`.
    public var accessTokenSigningAlgorithm: SigningAlgorithm? = nil
    public var requirePKCE: Bool
    /// First-party confidential clients skip the consent page; public ones are asked every
    /// time, since their identity cannot be assured (RFC 8252 §8.6).
    public var firstParty: Bool
    /// Every sign-in for this client needs a second factor: a password-only session steps up.
    public var requireMFA: Bool = false
    /// Where Permiso POSTs a Logout Token when a session this client got an ID token in ends
    /// (OpenID Connect Back-Channel Logout 1.0 §2.2).
    public var backchannelLogoutURI: String? = nil
    /// The client needs `sid` in its logout tokens (§2.2); Permiso always sends it.
    public var backchannelLogoutSessionRequired: Bool = false

    /// A page Permiso loads in a hidden frame on the signed-out page, so the client can clear
    /// its own cookies (OpenID Connect Front-Channel Logout 1.0 §2).
    public var frontchannelLogoutURI: String? = nil
    /// The client needs `iss` and `sid` in the front-channel URI's query (§2).
    public var frontchannelLogoutSessionRequired: Bool = false

    /// Whether sessions must remember this client, to tell it when they end.
    public var hearsOfLogout: Bool { backchannelLogoutURI != nil || frontchannelLogoutURI != nil }

    /// The APIs (`resources`, by id) this client may ask access tokens for (RFC 8707).
    public var resources: [String] = []
    /// The client may ask the introspection endpoint about any token this issuer issued
    /// (RFC 7662 §2.1); a resource server's client, confidential only.
    public var introspect: Bool = false
    /// Kept in the config but refused everything: authentication, authorization requests,
    /// grants and refreshes, and its tokens at userinfo and introspection, from the next reload on.
    public var disabled: Bool = false

    public var isPublic: Bool { authMethod == .none }
}
