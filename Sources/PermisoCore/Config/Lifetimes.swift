/// How long each issued value lives, in seconds.
public struct Lifetimes: Sendable, Equatable {
    public var authorizationCode = 60
    public var accessToken = 600
    public var idToken = 600
    public var refreshToken = 30 * 86_400
    public var session = 12 * 3_600
    public var deviceCode = 600

    public init() {}

    /// The longest a signature made now must stay verifiable: what a retired key waits for.
    public var longestSignedToken: Int { max(accessToken, idToken) }

    /// The longest anything issued now can stay valid: how long a revocation of everything
    /// issued so far must be remembered.
    public var longestLived: Int { max(accessToken, idToken, refreshToken, session, deviceCode) }
}
