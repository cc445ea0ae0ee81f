/// `acr_values` (OIDC Core §3.1.2.1): the authentication levels the client would accept, in
/// order of preference. Any one listed will do, so the level required is the lowest known
/// one listed; values Permiso does not define are ignored, since the parameter asks for a
/// voluntary claim — unless none is known, in which case it asks for nothing.
public enum AcrValuesCheck {
    public static func parse(_ text: String?) -> AuthenticationLevel? {
        guard let text else { return nil }
        return text.split(separator: " ").compactMap { AuthenticationLevel(rawValue: String($0)) }.min()
    }
}
