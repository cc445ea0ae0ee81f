/// A user who can log in, with the claims scopes may release.
public struct UserConfig: Sendable, Equatable {
    public var username: String
    public var passwordHash: String
    /// The `sub` claim: stable, never reassigned (OIDC Core §2).
    public var subject: String
    public var claims: [String: JSONValue]
    /// A second factor: the user's authenticator app, asked for after the password.
    public var totp: TOTPConfig? = nil
    /// Passkeys (WebAuthn): a sign-in of their own without a username, or the second factor.
    public var passkeys: [PasskeyConfig] = []
    /// Hashes of one-time recovery codes (`RecoveryCodeSignIn.hash`), for when the second factor is lost.
    public var recoveryCodes: [String] = []
    /// When the second factor is asked for.
    public var mfa: SecondFactorPolicy = .required
    /// Kept in the config but refused everything: sign-in, grants, refreshes, userinfo and
    /// introspection answer as if the user did not exist, from the next reload on.
    public var disabled: Bool = false

    /// Whether the user has a second factor to ask for after the password.
    public var hasSecondFactor: Bool { totp != nil || !passkeys.isEmpty }

    /// Whether this sign-in asks for the second factor after the password.
    public func asksSecondFactor(for level: AuthenticationLevel) -> Bool {
        hasSecondFactor && (mfa == .required || level >= .multiFactor)
    }
}

/// A user's `mfa:` setting.
public enum SecondFactorPolicy: String, Sendable, CaseIterable {
    /// Every sign-in: the default for a user with a second factor.
    case required
    /// Only when the client (`requireMFA`) or the request (`acr_values`) needs it.
    case optional
}
