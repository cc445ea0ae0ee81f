import CoreMetrics
import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import PermisoCore
import Synchronization

/// Answers `GET` for the prepared documents — the discovery documents, the JWKS, the
/// protected resource metadata and `/healthz` — on the connection's event loop, right after
/// the HTTP/1.1 decoder.
///
/// These answers are bytes built at load; what they cost is the request path around them.
/// Through the router each one pays the conversion to and from HTTPTypes, the async
/// hand-off, a task, the request context and the middleware. Here it is a dictionary lookup,
/// a head built once per second and the document's own bytes, shared by every connection,
/// written through NIO's response encoder in one flush. The encoder must see every answer:
/// its request decoder queues each request's method there, and the encoder takes one off per
/// response to know which answers go without a body (`HEAD`); an answer written beneath it
/// would pair every later response with an earlier request's method.
///
/// The answer is the router's byte for byte: the same headers in the same order
/// (`Content-Length`, `Date` and `Server` last, as Hummingbird adds them), the same body, and
/// the same request metrics (`RequestMetrics`). Everything else, and any request the router
/// would treat differently, passes through untouched:
/// - a method other than `GET` (`HEAD` included: the router has no route for it),
/// - a request that may not keep the connection alive (`Connection: close`, HTTP/1.0): the
///   router closes the connection after `close`, and decides the rest; everything after one
///   goes to the router too, which is slower, never wrong;
/// - a request with `Expect` (`100-continue`): the router answers it before its body;
/// - any request while an earlier one on the connection is still being answered: HTTP/1.1
///   answers pipelined requests in order, and the earlier answer may take a while;
/// - any request after one that closes the connection, which the router leaves unanswered;
/// - any request while the connection cannot take more output: the client is not reading,
///   and the router's path stops reading from it until it does, where answering here would
///   queue answers without bound.
///
/// Answered this low, a request never reaches the handlers that watch a connection's
/// requests, so this handler tells them what they need: `RequestDeadlineHandler` restarts its
/// clock after each answer (it is also the connection's idle timeout), and a graceful
/// shutdown (`ChannelShouldQuiesceEvent`) that arrives between a request's head and its end
/// waits until the answer is out, so the connection closes after it, not in the middle.
/// Not installed when every request is logged (`--log-level debug`) or traced (`--tracing`),
/// so those see every request as before.
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

    /// The handler each new connection gets, right after the request decoder.
    func handler(deadline: RequestDeadlineHandler?) -> Handler {
        Handler(documents: self, deadline: deadline)
    }

    /// The route `GET uri` asks for, if it is one answered here. The router matches the path
    /// alone, so `/healthz?probe=1` is `/healthz` there too; a look-alike (`/healthz/`,
    /// `//healthz`, an absolute URI) is left to it.
    func route(method: HTTPMethod, uri: String) -> String? {
        guard method == .GET else { return nil }
        let route = uri.firstIndex(of: "?").map { String(uri[..<$0]) } ?? uri
        return route == Endpoint.health || paths.contains(route) ? route : nil
    }

    final class Handler: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        private let documents: PreparedDocuments
        private let deadline: RequestDeadlineHandler?
        /// The request being answered here: its head is in, its end not yet.
        private var answering: (route: String, answer: Answer, started: UInt64)?
        /// Requests handed to the router whose answers have not ended yet.
        private var routed = 0
        /// The connection closes after the router's answer: nothing more is answered here.
        private var closing = false
        /// A graceful shutdown that arrived while a request was being answered here.
        private var quiesce: Any?
        /// The answers of this second and snapshot: only `Date` changes each second, and a
        /// reload changes the bodies. A head is a few fields; the body is the snapshot's own
        /// buffer, never copied, so a connection holds little however many documents it asks
        /// for.
        private var encoded: (second: Int, snapshot: LiveDeployment.Snapshot?, date: String) = (-1, nil, "")
        private var answers: [String: Answer] = [:]

        typealias Answer = (head: HTTPResponseHead, body: ByteBuffer)
        private var meters: [String: RequestMetrics.Meters] = [:]

        init(documents: PreparedDocuments, deadline: RequestDeadlineHandler?) {
            self.documents = documents
            self.deadline = deadline
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                if routed == 0, !closing, context.channel.isWritable, request.version == .http1_1, request.isKeepAlive,
                    !request.headers.contains(name: "expect"), let route = documents.route(method: request.method, uri: request.uri),
                    let answer = answer(route: route)
                {
                    answering = (route, answer, documents.recordsMetrics ? DispatchTime.now().uptimeNanoseconds : 0)
                    return
                }
                routed += 1
                if !request.isKeepAlive { closing = true }
                context.fireChannelRead(data)
            case .body:
                // A GET's body, if a client sends one, means nothing here, as to the router.
                if answering == nil { context.fireChannelRead(data) }
            case .end:
                guard let (route, answer, started) = answering else { return context.fireChannelRead(data) }
                answering = nil
                context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                deadline?.answered()
                documents.answered.wrappingAdd(1, ordering: .relaxed)
                if documents.recordsMetrics { record(route: route, started: started) }
                if let event = quiesce {
                    quiesce = nil
                    context.fireUserInboundEventTriggered(event)
                }
            }
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            // Only the router's answers pass here; this handler's own start below it.
            if case .end = unwrapOutboundIn(data) { routed = max(0, routed - 1) }
            context.write(data, promise: promise)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent {
                closing = true
                // Hummingbird's connection state handler closes an idle connection at once,
                // and it never saw this request: hold the event until the answer is out.
                if answering != nil {
                    quiesce = event
                    return
                }
            }
            context.fireUserInboundEventTriggered(event)
        }

        /// The answer to `GET route`, or `nil` when the current snapshot has no document there
        /// (the router answers that).
        private func answer(route: String) -> Answer? {
            let snapshot = documents.live.snapshot
            let now = Int(time(nil))
            if now != encoded.second || snapshot !== encoded.snapshot {
                encoded = (now, snapshot, now == encoded.second ? encoded.date : HTTPDate.format(epochSeconds: now))
                answers.removeAll(keepingCapacity: true)
            }
            if let answer = answers[route] { return answer }
            guard let response = route == Endpoint.health ? HealthEndpoint.live : snapshot.responses[route] else { return nil }
            let answer = (Self.head(response, date: encoded.date, server: documents.serverName), response.body)
            answers[route] = answer
            return answer
        }

        /// The head the router's path hands the encoder for a 200 with `response`: its
        /// fields, then `Content-Length`, `Date` and `Server` as Hummingbird adds them,
        /// converted as `NIOHTTPTypesHTTP1` converts the router's.
        static func head(_ response: PreparedResponse, date: String, server: String) -> HTTPResponseHead {
            var headers = response.headers
            headers[.contentLength] = String(response.body.readableBytes)
            headers.append(HTTPField(name: .date, value: date))
            headers.append(HTTPField(name: .server, value: server))
            return HTTPResponseHead(HTTPResponse(status: .ok, headerFields: headers))
        }

        private func record(route: String, started: UInt64) {
            let meter = meters[route] ?? Self.meter(route: route)
            meters[route] = meter
            meter.requests.increment()
            meter.duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
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

/// Hummingbird's HTTP/1.1 channel with `PreparedDocuments` right after NIO's request decoder,
/// ahead of the conversion to HTTPTypes. `HTTP1Channel.Configuration`'s
/// `additionalChannelHandlers` go after that conversion, too late to skip it.
struct PreparedHTTP1Channel: ServerChildChannel {
    let http1: HTTP1Channel
    let documents: PreparedDocuments

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            // The deadline is also the idle timeout: without it a connection would never close.
            let handler = documents.handler(deadline: try pipeline.handler(type: RequestDeadlineHandler.self))
            try pipeline.addHandler(handler, position: .before(try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
