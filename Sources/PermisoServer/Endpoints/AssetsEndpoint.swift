import HTTPTypes
import Hummingbird
import PermisoCore

/// The pages' static assets: one stylesheet, coloured from the config, the passkey script and
/// the signed-out page's.
struct AssetsEndpoint {
    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.stylesheet)) { _, context in
            Self.asset(Stylesheet.css(context.snapshot.deployment.config.branding), type: "text/css; charset=utf-8")
        }
        let script = ByteBuffer(string: PasskeyScript.source)
        routes.get(RouterPath(Endpoint.passkeyScript)) { _, _ in
            Self.asset(script, type: "text/javascript; charset=utf-8")
        }
        let logout = ByteBuffer(string: LogoutScript.source)
        routes.get(RouterPath(Endpoint.logoutScript)) { _, _ in
            Self.asset(logout, type: "text/javascript; charset=utf-8")
        }
    }

    private static func asset(_ text: String, type: String) -> Response {
        asset(ByteBuffer(string: text), type: type)
    }

    /// Cached briefly, never sniffed as another type (a script is only ever run as a script).
    private static func asset(_ body: ByteBuffer, type: String) -> Response {
        var response = Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: body)
        )
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return response
    }
}
