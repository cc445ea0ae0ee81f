import CoreMetrics
import Foundation
import Hummingbird
import Logging

/// What every request gets, first: the deployment snapshot current when it arrived, one log
/// line when it is answered, and its request metrics (`RequestMetrics`) when they are exported.
///
/// The snapshot is taken once, so a reload in the middle of a request never mixes an old
/// config with new keys; handlers read it from the context, never from `LiveDeployment`.
///
/// The log line says method, route, status, duration and the request id. The route is the
/// pattern the router matched (`/oauth/token`), never the URI: queries carry codes, states
/// and hints, and nothing a client sent — a token, code, secret, password or cookie value
/// — is logged. Requests log at `debug` (`permiso serve --log-level debug` shows them);
/// server errors log at `error` whatever the level. One middleware rather than two: every
/// layer costs each request an async call and a copy of its context.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = PermisoRequestContext
    let live: LiveDeployment
    /// The request metrics, when they are exported (`--metrics-address`).
    var metrics: RequestMetrics? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.snapshot = live.snapshot
        let started = ContinuousClock.now
        let meter = metrics?.started(request.method)
        do {
            let response = try await next(request, context)
            finished(request, context, status: response.status.code, thrown: false, since: started, meter: meter)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            finished(request, context, status: status, thrown: true, since: started, meter: meter)
            throw error
        }
    }

    private func finished(
        _ request: Request,
        _ context: Context,
        status: Int,
        thrown: Bool,
        since started: ContinuousClock.Instant,
        meter: CoreMetrics.Meter?
    ) {
        let elapsed = ContinuousClock.now - started
        if let metrics, let meter {
            let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            metrics.finished(meter, route: context.endpointPath, method: request.method, status: status, thrown: thrown, nanoseconds: nanoseconds)
        }
        log(request, context, status: status, elapsed: elapsed)
    }

    private func log(_ request: Request, _ context: Context, status: Int, elapsed: Duration) {
        let level: Logger.Level = status >= 500 ? .error : .debug
        guard context.logger.logLevel <= level else { return }
        let milliseconds = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.log(
            level: level,
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(context.endpointPath ?? "unmatched"),
                "status": .stringConvertible(status),
                "duration_ms": .string(String(format: "%.1f", milliseconds)),
            ]
        )
    }
}
