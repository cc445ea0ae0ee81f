/// Public clients always use PKCE (RFC 9700 §2.1.1): a client without a secret cannot turn
/// it off. Confidential clients may require it too.
enum PublicClientPKCERule {
    /// Whether the client requires PKCE, or why the setting is refused.
    static func check(authMethod: ClientAuthMethod, requirePKCE: Bool?) -> Result<Bool, RuleViolation> {
        if authMethod == .none && requirePKCE == false {
            return .failure(RuleViolation("public clients always require PKCE (RFC 9700 §2.1.1)"))
        }
        return .success(authMethod == .none || requirePKCE == true)
    }
}
