/// The paths of Permiso's public endpoints (`shared/seed/oidc-endpoints.txt`).
///
/// The static files live under the issuer; the `/oauth/*` endpoints under the service URL,
/// which is the issuer unless a CDN serves the issuer's files and the token service runs elsewhere.
public enum Endpoint {
    public static let discovery = "/.well-known/openid-configuration"
    /// RFC 8414 §3: inserted between the host and the issuer's path.
    public static let authorizationServerMetadata = "/.well-known/oauth-authorization-server"
    public static let jwks = "/.well-known/jwks.json"
    public static let authorize = "/oauth/authorize"
    public static let token = "/oauth/token"
    public static let userinfo = "/oauth/userinfo"
    public static let endSession = "/oauth/logout"
    public static let deviceAuthorization = "/oauth/device/code"
    /// Where a user types the code shown on a device (RFC 8628 §3.3).
    public static let deviceVerification = "/device"
}
