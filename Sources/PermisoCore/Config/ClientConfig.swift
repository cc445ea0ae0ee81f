/// A registered relying party.
public struct ClientConfig: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The crypt hash of the client secret; `nil` for public clients.
    public var secretHash: String?
    public var authMethod: ClientAuthMethod
    public var redirectURIs: [String]
    public var postLogoutRedirectURIs: [String]
    public var grantTypes: [GrantType]
    public var scopes: [String]
    public var idTokenSigningAlgorithm: SigningAlgorithm
    public var requirePKCE: Bool
    /// First-party clients skip the consent page.
    public var firstParty: Bool

    public var isPublic: Bool { authMethod == .none }
}
