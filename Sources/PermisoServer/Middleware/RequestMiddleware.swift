import Foundation
import Hummingbird
import Logging

/// What every request gets, first: the deployment snapshot current when it arrived, and one
/// log line when it is answered.
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

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.snapshot = live.snapshot
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: response.status.code, since: started)
            return response
        } catch {
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        let level: Logger.Level = status >= 500 ? .error : .debug
        guard context.logger.logLevel <= level else { return }
        let elapsed = ContinuousClock.now - started
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
