import HTTPTypes
import Hummingbird
import PermisoCore

/// The pages' static assets: one stylesheet, coloured from the config.
struct AssetsEndpoint {
    let live: LiveDeployment

    func register(on router: Router<some RequestContext>) {
        router.get(RouterPath(Endpoint.stylesheet)) { _, _ in
            let css = Stylesheet.css(live.snapshot.deployment.config.branding)
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
