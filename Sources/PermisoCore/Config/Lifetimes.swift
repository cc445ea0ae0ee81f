/// How long each issued value lives, in seconds.
public struct Lifetimes: Sendable, Equatable {
    public var authorizationCode = 60
    public var accessToken = 600
    public var idToken = 600
    public var refreshToken = 30 * 86_400
    public var session = 12 * 3_600
    public var deviceCode = 600
    /// How long a signing key or sealing secret stays active before `permiso keys rotate`
    /// should replace it. Nothing rotates on its own (every instance must hold the same keys
    /// folder); `permiso_key_rotation_due_seconds` counts down to it for an alert.
    public var activeKey = 90 * 86_400

    public init() {}

    /// The longest a signature made now must stay verifiable: what a retired key waits for.
    public var longestSignedToken: Int { max(accessToken, idToken) }

    /// The longest anything issued now can stay valid: how long a revocation of everything
    /// issued so far must be remembered.
    public var longestLived: Int { max(accessToken, idToken, refreshToken, session, deviceCode) }
}
