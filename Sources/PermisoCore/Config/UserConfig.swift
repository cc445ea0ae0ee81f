/// A user who can log in, with the claims scopes may release.
public struct UserConfig: Sendable, Equatable {
    public var username: String
    public var passwordHash: String
    /// The `sub` claim: stable, never reassigned (OIDC Core §2).
    public var subject: String
    public var claims: [String: JSONValue]
}
