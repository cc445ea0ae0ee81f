/// The successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
public struct TokenResponse: Sendable, Equatable, Codable {
    public var accessToken: String
    public var tokenType = "Bearer"
    public var expiresIn: Int
    public var scope: String
    public var refreshToken: String?
    public var idToken: String?
    /// What signed the access token, for the service's metrics; not part of the response.
    public var signingAlgorithm: SigningAlgorithm? = nil

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case scope
        case refreshToken = "refresh_token"
        case idToken = "id_token"
    }

    /// The response body as `JSONEncoder` (sorted keys) would write it, written directly (see `CompactJSON`).
    public var compactJSON: [UInt8] {
        var json = CompactJSON()
        json.field("access_token", accessToken)
        json.field("expires_in", expiresIn)
        if let idToken { json.field("id_token", idToken) }
        if let refreshToken { json.field("refresh_token", refreshToken) }
        // RFC 6749 §3.3: a scope is one or more tokens; a token with none says nothing.
        if !scope.isEmpty { json.field("scope", scope) }
        json.field("token_type", tokenType)
        return json.finish()
    }

    public init(accessToken: String, expiresIn: Int, scope: [String], refreshToken: String? = nil, idToken: String? = nil) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.scope = scope.joined(separator: " ")
        self.refreshToken = refreshToken
        self.idToken = idToken
    }
}
