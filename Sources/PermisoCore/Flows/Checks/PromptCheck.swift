/// `prompt` (OIDC Core §3.1.2.1): a space-separated set of `none`, `login` and `consent`;
/// `none` must stand alone. `select_account` is refused, since a browser has one session.
enum PromptCheck {
    static func parse(_ text: String?) throws(OAuthError) -> Set<AuthorizationRequest.Prompt> {
        var prompt: Set<AuthorizationRequest.Prompt> = []
        for value in (text ?? "").split(separator: " ") {
            guard let item = AuthorizationRequest.Prompt(rawValue: String(value)) else {
                throw .invalidRequest("prompt \(value) is not supported; use none, login or consent")
            }
            prompt.insert(item)
        }
        if prompt.contains(.none) && prompt.count > 1 {
            throw .invalidRequest("prompt none cannot be combined with other values")
        }
        return prompt
    }
}
