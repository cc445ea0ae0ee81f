import CoreMetrics
import HTTPTypes
import Synchronization

/// Request counts and latencies by route, method and status, under the names and labels
/// Hummingbird's `MetricsMiddleware` uses (`hb_requests`, `http_server_request_duration`,
/// `hb_request_errors`, `http_server_active_requests`), so dashboards made for it work.
///
/// Recorded by `RequestMiddleware`, which already times every request, rather than by
/// `MetricsMiddleware`: one more middleware layer (an async call, a copy of the context, and
/// a response body wrapped to record after it is written) cost 17 % of client_credentials
/// throughput, against under 1 % for recording the same figures here. The duration ends when
/// the response is ready, before its few bytes are written.
final class RequestMetrics: Sendable {
    struct Meters: Sendable {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
        let errors: CoreMetrics.Counter
    }

    private struct Key: Hashable {
        var route: String
        var method: HTTPRequest.Method
        var status: Int
    }

    /// Handles made once per route, method and status: making one asks the metrics backend
    /// (a lock, a lookup, a label check), a cache hit only this lock.
    private let meters = Mutex<[Key: Meters]>([:])
    private let active = Mutex<[HTTPRequest.Method: CoreMetrics.Meter]>([:])

    /// The request has started: counted among those in progress until `finished`.
    func started(_ method: HTTPRequest.Method) -> CoreMetrics.Meter {
        let meter = active.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = CoreMetrics.Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
            meters[method] = meter
            return meter
        }
        meter.increment()
        return meter
    }

    /// An answer, by the route pattern that matched (or none); a thrown error counts as an
    /// error of its status, without a duration, as in `MetricsMiddleware`.
    func finished(
        _ meter: CoreMetrics.Meter,
        route: String?,
        method: HTTPRequest.Method,
        status: Int,
        thrown: Bool,
        nanoseconds: Int64
    ) {
        let key = Key(route: route ?? (thrown ? "NotFound" : "Unknown"), method: method, status: status)
        let found = meters.withLock { cache in
            if let found = cache[key] { return found }
            let made = Self.make(route: key.route, method: method, status: status)
            cache[key] = made
            return made
        }
        found.requests.increment()
        if thrown { found.errors.increment() } else { found.duration.recordNanoseconds(nanoseconds) }
        meter.decrement()
    }

    /// The handles for one route, method and status; `PreparedDocuments` records its answers
    /// with these too.
    static func make(route: String, method: HTTPRequest.Method, status: Int) -> Meters {
        let dimensions = [("http.route", route), ("http.request.method", method.rawValue), ("http.response.status_code", String(status))]
        return Meters(
            requests: CoreMetrics.Counter(label: "hb.requests", dimensions: dimensions),
            duration: CoreMetrics.Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds),
            errors: CoreMetrics.Counter(
                label: "hb.request.errors",
                dimensions: [("http.route", route), ("http.request.method", method.rawValue), ("error.type", String(status))]
            )
        )
    }
}
