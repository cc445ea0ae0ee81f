import HTTPTypes
import Hummingbird
import PermisoCore

/// The pages' static assets: one stylesheet, coloured from the config.
struct AssetsEndpoint {
    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.stylesheet)) { _, context in
            let css = Stylesheet.css(context.snapshot.deployment.config.branding)
            var response = Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: css))
            )
            response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            return response
        }
    }
}
