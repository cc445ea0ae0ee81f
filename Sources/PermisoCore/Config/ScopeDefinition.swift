/// A scope and the user claims it releases.
public struct ScopeDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    public var claims: [String]

    public init(name: String, description: String, claims: [String]) {
        self.name = name
        self.description = description
        self.claims = claims
    }

    /// OIDC Core §5.4's scopes, plus `openid` and `offline_access` (§11).
    public static let standard: [ScopeDefinition] = [
        ScopeDefinition(name: "openid", description: "Sign you in", claims: ["sub"]),
        ScopeDefinition(
            name: "profile",
            description: "Your name and basic profile",
            claims: [
                "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
                "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at",
            ]
        ),
        ScopeDefinition(name: "email", description: "Your email address", claims: ["email", "email_verified"]),
        ScopeDefinition(name: "address", description: "Your postal address", claims: ["address"]),
        ScopeDefinition(
            name: "phone",
            description: "Your phone number",
            claims: ["phone_number", "phone_number_verified"]
        ),
        ScopeDefinition(
            name: "offline_access",
            description: "Stay signed in to the app while you are away",
            claims: []
        ),
    ]

    /// Claims the provider sets itself; a user or scope may not define them.
    public static let reservedClaims: Set<String> = [
        "iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash",
        "sid", "jti", "client_id", "scope", "typ", "cnf",
    ]
}
