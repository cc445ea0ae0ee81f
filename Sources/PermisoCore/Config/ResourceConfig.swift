/// An API that accepts Permiso's access tokens: a protected resource with its RFC 8707
/// resource indicator, which becomes the `aud` of the tokens issued for it.
public struct ResourceConfig: Sendable, Equatable {
    /// The resource indicator (RFC 8707 §2): an absolute URI without a fragment, the access
    /// token's `aud`, and where RFC 9728 metadata is published for.
    public var id: String
    public var name: String
    /// The scopes tokens for this API may carry: a token for it carries the granted ones among these.
    public var scopes: [String]
    /// Its access tokens' lifetime; `nil` for `lifetimes.accessToken`, which bounds it.
    public var accessTokenLifetime: Int?
    /// What signs its access tokens; `nil` for the client's algorithm.
    public var signingAlgorithm: SigningAlgorithm?
    /// A page for developers of the API's clients (RFC 9728 `resource_documentation`).
    public var documentation: String?

    public init(
        id: String,
        name: String,
        scopes: [String],
        accessTokenLifetime: Int? = nil,
        signingAlgorithm: SigningAlgorithm? = nil,
        documentation: String? = nil
    ) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.accessTokenLifetime = accessTokenLifetime
        self.signingAlgorithm = signingAlgorithm
        self.documentation = documentation
    }
}
