/// A client's grants must fit how it authenticates and what it registered.
enum GrantTypeRule {
    static func check(_ client: ClientConfig) -> [RuleViolation] {
        var problems: [RuleViolation] = []
        let grants = Set(client.grantTypes)
        // A resource server's client may only introspect, and needs no grant for that.
        if grants.isEmpty && !client.introspect {
            problems.append(RuleViolation("expected at least one grant type, or introspect: true for a client that only introspects"))
        }
        // RFC 6749 §4.4: client_credentials is for clients that can authenticate.
        if client.isPublic && grants.contains(.clientCredentials) {
            problems.append(
                RuleViolation(
                    "a public client (tokenEndpointAuthMethod none) cannot use client_credentials; give it a secretHash or remove the grant"
                )
            )
        }
        if grants.contains(.authorizationCode) && client.redirectURIs.isEmpty {
            problems.append(RuleViolation("authorization_code needs at least one entry in redirectURIs"))
        }
        if grants.contains(.refreshToken) && !grants.contains(.authorizationCode) && !grants.contains(.deviceCode) {
            problems.append(
                RuleViolation(
                    "refresh_token needs authorization_code or the device_code grant, which issue refresh tokens"
                )
            )
        }
        if client.scopes.contains("offline_access") && !grants.contains(.refreshToken) {
            problems.append(RuleViolation("scope offline_access needs the refresh_token grant"))
        }
        return problems
    }
}
