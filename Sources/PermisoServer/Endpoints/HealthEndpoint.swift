import Hummingbird
import PermisoCore

/// `GET /healthz` for load balancers: answers as long as the process serves requests.
///
/// It says nothing about the config, so a failed reload (which keeps the old config serving)
/// does not take the instance out of rotation.
struct HealthEndpoint {
    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.health)) { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}\n"))
            )
        }
    }
}
