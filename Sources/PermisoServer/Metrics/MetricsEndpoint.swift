import Foundation
import Hummingbird
import PermisoCore
import Prometheus

/// `GET /metrics` in the Prometheus text format, on its own listen address
/// (`--metrics-address`), never on the public port: the figures are for operators.
struct MetricsEndpoint {
    let registry: PrometheusCollectorRegistry
    let live: LiveDeployment

    func register(on routes: some RouterMethods<BasicRequestContext>) {
        routes.get("/metrics") { _, _ in
            ServiceMetrics.keys(of: live)
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }
}
