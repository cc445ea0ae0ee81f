/// The `resource` parameter (RFC 8707 §2): the APIs a request wants access tokens for.
///
/// An authorization request may name several; each must be a well-formed resource
/// indicator, one the config defines, and one the client may ask for, else the request is
/// `invalid_target`. A token request names at most one, since each access token is for one
/// API (RFC 9700 §4.10.1): its `aud` is that resource, its scopes the granted ones the API
/// accepts. Errors never echo the value: a resource indicator is a URI of the client's
/// choosing, and descriptions are restricted to plain ASCII (RFC 6749 §5.2).
public enum ResourceRequest {
    /// More than a client has reason to name at once; each one is copied into the code.
    static let maximumCount = 8

    /// The resources an authorization request names, in order, without repeats. Each must
    /// share a requested scope when it lists any, or no token for it could ever be issued.
    static func parse(
        _ parameters: FormParameters,
        scopes: [String],
        client: ClientConfig,
        config: PermisoConfig
    ) throws(OAuthError) -> [String] {
        let named = parameters.all("resource")
        guard named.count <= maximumCount else { throw .invalidTarget("at most \(maximumCount) resources per request") }
        var resources: [String] = []
        for id in named where !resources.contains(id) {
            let resource = try allowed(id, client: client, config: config)
            guard resource.scopes.isEmpty || resource.scopes.contains(where: scopes.contains) else {
                throw .invalidTarget("no requested scope is one the resource accepts")
            }
            resources.append(resource.id)
        }
        return resources
    }

    /// The API a token request's access token is for, or `nil` for the issuer itself.
    ///
    /// - Parameter granted: the resources the grant (code or refresh token) was authorized
    ///   for, which the request must stay within; `nil` for client_credentials, which has
    ///   no earlier authorization. Without a `resource` parameter, a grant for exactly one
    ///   API gets a token for it, a grant for none a token for the issuer (userinfo), and a
    ///   grant for several must say which.
    public static func target(
        _ parameters: FormParameters,
        client: ClientConfig,
        config: PermisoConfig,
        granted: [String]?
    ) throws(OAuthError) -> ResourceConfig? {
        let named = parameters.all("resource")
        guard named.count <= 1 else {
            throw .invalidTarget("name one resource per token request: each access token is for one API")
        }
        guard let id = named.first else {
            guard let granted, !granted.isEmpty else { return nil }
            guard granted.count == 1 else {
                throw .invalidTarget("this grant is for several resources; name one with the resource parameter")
            }
            // Checked as if named: the API or the client's permission may be gone since.
            return try allowed(granted[0], client: client, config: config)
        }
        let resource = try allowed(id, client: client, config: config)
        if let granted, !granted.contains(id) {
            throw .invalidTarget("the resource was not part of this grant's authorization request")
        }
        return resource
    }

    /// The scopes of an access token for `resource`: the granted ones it accepts. A resource
    /// that lists no scopes takes tokens with none; one that lists some must share one with
    /// the grant, or the token would be for nothing.
    public static func scopes(_ granted: [String], for resource: ResourceConfig) throws(OAuthError) -> [String] {
        guard !resource.scopes.isEmpty else { return [] }
        let scopes = granted.filter(resource.scopes.contains)
        guard !scopes.isEmpty else { throw .invalidScope("none of the granted scopes is one this resource accepts") }
        return scopes
    }

    private static func allowed(_ id: String, client: ClientConfig, config: PermisoConfig) throws(OAuthError) -> ResourceConfig {
        if ResourceIndicatorRule.check(id) != nil {
            throw .invalidTarget("resource must be an absolute https URI without a fragment (RFC 8707 section 2)")
        }
        guard let resource = config.resource(id: id) else { throw .invalidTarget("the resource is not one this provider issues tokens for") }
        guard client.resources.contains(id) else { throw .invalidTarget("this client may not ask for tokens for that resource") }
        return resource
    }
}
