/// How a client authenticates at the token endpoint (OIDC Core §9, RFC 7591 §2).
public enum ClientAuthMethod: String, Sendable, CaseIterable, Codable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    /// Public clients: native apps and single-page apps that cannot keep a secret.
    case none
}
