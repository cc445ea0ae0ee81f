import CoreMetrics
import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import PermisoCore
import Synchronization

/// Answers `GET` for the prepared documents — the discovery documents, the JWKS, the
/// protected resource metadata and `/healthz` — on the connection's event loop, ahead of the
/// router.
///
/// These answers are bytes built at load; what they cost is the request path around them.
/// Through the router each one pays the async hand-off, a task, the request context and the
/// middleware, about half of what the socket can do; here it is a dictionary lookup and three
/// writes. The answer is the router's byte for byte: the same headers in the same order
/// (`Content-Length`, `Date` and `Server` last, as Hummingbird adds them), the same body, and
/// the same request metrics (`RequestMetrics`). Everything else, and any request the
/// router would treat differently, passes through untouched:
/// - a method other than `GET` (`HEAD` included: the router has no route for it),
/// - `Connection: close` (the router closes the connection after answering),
/// - any request while an earlier one on the connection is still being answered: HTTP/1.1
///   answers pipelined requests in order, and the earlier answer may take a while;
/// - any request after one with `Connection: close`, which the router leaves unanswered;
/// - any request while the connection cannot take more output: the client is not reading,
///   and the router's path stops reading from it until it does, where answering here would
///   queue answers without bound.
///
/// It sits after Hummingbird's `HTTPConnectionStateHandler` (see `PreparedHTTP1Channel`), so
/// the idle timeout and a graceful shutdown see these requests like any other. Not installed
/// when every request is logged (`--log-level debug`) or traced (`--tracing`), so those see
/// every request as before.
final class PreparedDocuments: Sendable {
    let live: LiveDeployment
    let serverName: String
    let recordsMetrics: Bool
    /// The paths the router has routes for: those of the documents at start
    /// (`WellKnownEndpoint`). A reload changes the bytes behind them, never the set, here as
    /// in the router.
    let paths: Set<String>
    /// Requests answered here; for the tests, which prove the router was not asked.
    let answered = Atomic<Int>(0)

    init(live: LiveDeployment, serverName: String, recordsMetrics: Bool) {
        self.live = live
        self.serverName = serverName
        self.recordsMetrics = recordsMetrics
        self.paths = Set(live.snapshot.documents.keys)
    }

    /// The handler each new connection gets.
    func handler() -> Handler { Handler(documents: self) }

    /// The prepared answer to `request`, if it is one this handler gives.
    func response(for request: HTTPRequest) -> (route: String, response: PreparedResponse)? {
        guard request.method == .get, let target = request.path else { return nil }
        // The router matches the path alone, so `/healthz?probe=1` is `/healthz` there too.
        let route = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
        let response: PreparedResponse
        if route == Endpoint.health {
            response = HealthEndpoint.live
        } else {
            guard paths.contains(route), let current = live.snapshot.responses[route] else { return nil }
            response = current
        }
        guard request.headerFields[.connection] != "close" else { return nil }
        return (route, response)
    }

    final class Handler: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart

        private let documents: PreparedDocuments
        /// The request being answered here: its head is in, its end not yet.
        private var answering: (route: String, response: PreparedResponse, started: UInt64)?
        /// Requests handed to the router whose answers have not ended yet.
        private var routed = 0
        /// A request asked to close the connection: the router answers it, and nothing after.
        private var closing = false
        /// `Date` changes once a second; formatting it once per second per connection is enough.
        private var date = (second: -1, value: "")
        private var meters: [String: RequestMetrics.Meters] = [:]
        private var heads: [String: (body: ByteBuffer, head: HTTPResponse)] = [:]

        init(documents: PreparedDocuments) {
            self.documents = documents
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                if routed == 0, !closing, context.channel.isWritable, let (route, response) = documents.response(for: request) {
                    answering = (route, response, documents.recordsMetrics ? DispatchTime.now().uptimeNanoseconds : 0)
                    return
                }
                routed += 1
                if request.headerFields[.connection] == "close" { closing = true }
                context.fireChannelRead(data)
            case .body:
                // A GET's body, if a client sends one, means nothing here, as to the router.
                if answering == nil { context.fireChannelRead(data) }
            case .end:
                guard let (route, response, started) = answering else { return context.fireChannelRead(data) }
                answering = nil
                answer(context: context, route: route, response: response, started: started)
            }
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            // Only the router's answers pass here; this handler's own go out beneath it.
            if case .end = unwrapOutboundIn(data) { routed = max(0, routed - 1) }
            context.write(data, promise: promise)
        }

        private func answer(context: ChannelHandlerContext, route: String, response: PreparedResponse, started: UInt64) {
            context.write(wrapOutboundOut(.head(head(route: route, response: response))), promise: nil)
            context.write(wrapOutboundOut(.body(response.body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            documents.answered.wrappingAdd(1, ordering: .relaxed)
            if documents.recordsMetrics {
                let meter = meters[route] ?? Self.meter(route: route)
                meters[route] = meter
                meter.requests.increment()
                meter.duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
            }
        }

        /// The answer's head, built once per route and second: only `Date` changes, and a
        /// reload changes the body (so the head is rebuilt when the body is another).
        private func head(route: String, response: PreparedResponse) -> HTTPResponse {
            let now = Int(time(nil))
            if now != date.second {
                date = (now, HTTPDate.format(epochSeconds: now))
                heads.removeAll(keepingCapacity: true)
            }
            if let cached = heads[route], cached.body == response.body { return cached.head }
            var headers = response.headers
            headers[.contentLength] = String(response.body.readableBytes)
            headers.append(HTTPField(name: .date, value: date.value))
            headers.append(HTTPField(name: .server, value: documents.serverName))
            let head = HTTPResponse(status: .ok, headerFields: headers)
            heads[route] = (response.body, head)
            return head
        }

        /// The metrics the router records for a 200 to `GET route`, whose route pattern has no
        /// trailing "/".
        private static func meter(route: String) -> RequestMetrics.Meters {
            let pattern = route.count > 1 && route.hasSuffix("/") ? String(route.dropLast()) : route
            return RequestMetrics.make(route: pattern, method: .get, status: 200)
        }
    }
}

/// The IMF-fixdate of RFC 9110 §5.6.7 (`Sun, 06 Nov 1994 08:49:37 GMT`), the form of every
/// `Date` header.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(epochSeconds: Int) -> String {
        var seconds = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

/// Hummingbird's HTTP/1.1 channel with `PreparedDocuments` placed right after its
/// `HTTPConnectionStateHandler`, which `HTTP1Channel.Configuration.additionalChannelHandlers`
/// cannot do (those go before it): the state handler must see every request and answer to
/// keep its idle timeout and its graceful close right.
struct PreparedHTTP1Channel: ServerChildChannel {
    let http1: HTTP1Channel
    let documents: PreparedDocuments

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let state = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(documents.handler(), position: .after(state))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
