/// The scopes a request asks for (RFC 6749 §3.3): space-delimited, case-sensitive, each one
/// known to this deployment and allowed for the client.
public enum ScopeRequest {
    public static func parse(_ text: String?, client: ClientConfig, config: PermisoConfig) throws(OAuthError) -> [String] {
        let requested = (text ?? "").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard !requested.isEmpty else { throw .invalidScope("scope is required") }
        var scopes: [String] = []
        for scope in requested where !scopes.contains(scope) {
            guard config.scope(named: scope) != nil else { throw .invalidScope("unknown scope \(scope)") }
            guard client.scopes.contains(scope) else {
                throw .invalidScope("scope \(scope) is not allowed for this client")
            }
            scopes.append(scope)
        }
        return scopes
    }
}
