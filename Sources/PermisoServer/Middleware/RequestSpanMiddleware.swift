import HTTPTypes
import Hummingbird
import Instrumentation
import Tracing

/// `permiso serve --tracing`: one server span per request, named after the route pattern.
///
/// Permiso's own rather than Hummingbird's `TracingMiddleware`, for two reasons. That one
/// records the query string with a deny list matched on raw names, and Permiso decodes
/// names (`st%61te=` is `state`), so codes, hints and user codes would reach the collector;
/// this span records the method, route and status only. And a caller's W3C `traceparent`
/// is continued only from a proxy the operator trusts (`--trusted-proxy`): from anyone else
/// it would let a client force sampling of every request, hide its own requests from a
/// sampled trace, or splice them into another trace.
struct RequestSpanMiddleware: RouterMiddleware {
    typealias Context = PermisoRequestContext
    let trustedProxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.topLevel
        if let peer = context.remoteAddress?.ipAddress, trustedProxies.contains(peer) {
            InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HeaderExtractor())
        }
        let span = startSpan("HTTP \(request.method.rawValue)", context: parent, ofKind: .server)
        defer { span.end() }
        span.attributes["http.request.method"] = request.method.rawValue
        do {
            let response = try await ServiceContext.withValue(span.context) { try await next(request, context) }
            name(span, context: context, status: Int(response.status.code))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            name(span, context: context, status: Int(status))
            // The error's type only: a description can carry a store reply or a client's input.
            span.attributes["error.type"] = String(describing: type(of: error))
            throw error
        }
    }

    private func name(_ span: any Span, context: Context, status: Int) {
        if let route = context.endpointPath {
            span.operationName = route
            span.attributes["http.route"] = route
        }
        span.attributes["http.response.status_code"] = status
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

private struct HeaderExtractor: Extractor {
    func extract(key name: String, from headers: HTTPFields) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }
}
