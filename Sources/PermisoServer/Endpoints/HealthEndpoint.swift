import Hummingbird
import NIOCore
import PermisoCore

/// `GET /healthz` and `GET /readyz` for load balancers and orchestrators.
///
/// `/healthz` (liveness) answers as long as the process serves requests. It says nothing
/// about the config or the store, so a failed reload or a Redis outage never gets a healthy
/// instance restarted.
///
/// `/readyz` (readiness) is 200 when the instance can serve every flow: the shared store
/// answers one read. Its config and keys are valid, or it would not have started (and a
/// reload never swaps in invalid ones), so they need no check here. Otherwise 503, so an orchestrator sends traffic elsewhere. A reload that failed is
/// reported (`"config": "stale"`) but keeps the instance ready: the previous config still
/// serves, and every instance reading the same bad file would otherwise go unready at once.
struct HealthEndpoint {
    let live: LiveDeployment

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.health)) { _, _ in
            Self.live.response
        }
        routes.get(RouterPath(Endpoint.readiness)) { _, context in
            let reachable = (try? await context.flows.state.probe.check()) != nil
            let config = live.servesStaleConfig ? "stale" : "loaded"
            let store = reachable ? "reachable" : "unreachable"
            return Self.json(
                reachable ? .ok : .serviceUnavailable,
                "{\"checks\":{\"config\":\"\(config)\",\"stateStore\":\"\(store)\"},\"status\":\"\(reachable ? "ready" : "not ready")\"}\n"
            )
        }
    }

    /// The liveness answer, prepared once: `PreparedDocuments` gives it without the router.
    static let live = PreparedResponse(
        headers: [.contentType: "application/json", .cacheControl: "no-store"],
        body: ByteBuffer(string: "{\"status\":\"ok\"}\n")
    )

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }
}
