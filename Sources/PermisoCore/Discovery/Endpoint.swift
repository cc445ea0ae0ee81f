/// The path of every route Permiso serves: the public protocol endpoints that discovery
/// advertises, and the pages and forms a browser reaches from them.
///
/// The static files live under the issuer; the `/oauth/*` endpoints under the service URL,
/// which is the issuer unless a CDN serves the issuer's files and the token service runs elsewhere.
public enum Endpoint {
    // The protocol endpoints (OIDC Discovery 1.0 §3, RFC 8414 §2).
    public static let discovery = "/.well-known/openid-configuration"
    /// RFC 8414 §3: inserted between the host and the issuer's path.
    public static let authorizationServerMetadata = "/.well-known/oauth-authorization-server"
    public static let jwks = "/.well-known/jwks.json"
    /// RFC 9728 §3: an API's metadata, at the API's origin with the well-known segment before its path.
    public static let protectedResourceMetadata = "/.well-known/oauth-protected-resource"
    public static let authorize = "/oauth/authorize"
    public static let token = "/oauth/token"
    public static let userinfo = "/oauth/userinfo"
    public static let endSession = "/oauth/logout"
    public static let deviceAuthorization = "/oauth/device/code"
    /// RFC 7662 token introspection, for resource servers.
    public static let introspection = "/oauth/introspect"
    /// RFC 7009 token revocation.
    public static let revocation = "/oauth/revoke"
    /// Where a user types the code shown on a device (RFC 8628 §3.3).
    public static let deviceVerification = "/device"

    // The forms the pages post to, and what the pages load.
    public static let login = "/login"
    public static let consent = "/consent"
    public static let deviceLogin = "/device/login"
    public static let deviceConsent = "/device/consent"
    /// The second factor after either flow's password form.
    public static let loginCode = "/login/code"
    /// A passkey's answer, from any sign-in page's passkey button.
    public static let loginPasskey = "/login/passkey"
    /// The signed-in user's passkeys, and the form that verifies a new one.
    public static let accountPasskeys = "/account/passkeys"
    /// The account page's own sign-in form.
    public static let accountLogin = "/account/login"
    public static let stylesheet = "/assets/permiso.css"
    /// The passkey buttons' script: the only script the pages load, from here, under their CSP.
    public static let passkeyScript = "/assets/passkeys.js"
    /// The signed-out page's script: on to the post-logout redirect once the front-channel frames loaded.
    public static let logoutScript = "/assets/logout.js"
    /// Liveness for load balancers.
    public static let health = "/healthz"
    /// Readiness: the config is loaded and the shared store answers.
    public static let readiness = "/readyz"
    /// The example config's demo relying party, served only when a client `demo` exists.
    public static let demo = "/demo/"
    public static let demoCallback = "/demo/callback"
}
