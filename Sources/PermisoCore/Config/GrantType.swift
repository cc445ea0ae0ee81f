/// The grants the token service implements, by their registered names.
public enum GrantType: String, Sendable, CaseIterable, Codable {
    case authorizationCode = "authorization_code"
    case refreshToken = "refresh_token"
    case clientCredentials = "client_credentials"
    /// RFC 8628 §3.4.
    case deviceCode = "urn:ietf:params:oauth:grant-type:device_code"
}
