import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import PermisoCore
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoServer

/// The prepared documents answered ahead of the router: the router's bytes, and the router
/// never asked; everything else, and anything out of turn, passed on untouched.
@Suite("Prepared documents ahead of the router")
@MainActor
struct PreparedDocumentsTests {
    /// Stands in for the router: records every request part and event that reaches it.
    final class Downstream: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        var parts: [HTTPServerRequestPart] = []
        var events: [Any] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            parts.append(unwrapInboundIn(data))
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            events.append(event)
        }
    }

    func channel(_ live: LiveDeployment) throws -> (EmbeddedChannel, PreparedDocuments, Downstream) {
        let documents = PreparedDocuments(live: live, serverName: "Permiso", recordsMetrics: false)
        let downstream = Downstream()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([documents.handler(deadline: nil), downstream])
        return (channel, documents, downstream)
    }

    func head(_ method: HTTPMethod, _ uri: String, _ headers: HTTPHeaders, version: HTTPVersion = .http1_1) -> HTTPServerRequestPart {
        var fields = headers
        fields.replaceOrAdd(name: "Host", value: "id")
        return .head(HTTPRequestHead(version: version, method: method, uri: uri, headers: fields))
    }

    func send(
        _ channel: EmbeddedChannel,
        _ method: HTTPMethod = .GET,
        _ uri: String,
        _ headers: HTTPHeaders = [:],
        version: HTTPVersion = .http1_1
    ) throws {
        try channel.writeInbound(head(method, uri, headers, version: version))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
    }

    /// The answer the handler wrote, if it wrote one: its head and body.
    func answer(_ channel: EmbeddedChannel) throws -> (head: HTTPResponseHead, body: ByteBuffer)? {
        guard let first = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        guard case .head(let head) = first, case .body(.byteBuffer(let body)) = try channel.readOutbound(as: HTTPServerResponsePart.self),
            case .end(nil) = try channel.readOutbound(as: HTTPServerResponsePart.self)
        else {
            Issue.record("not a head, one body part and an end")
            return nil
        }
        return (head, body)
    }

    /// The router's answer answers the router's way; consumed so the next request is served.
    func routerAnswers(_ channel: EmbeddedChannel) throws {
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == .end(nil))
    }

    @Test("Each well-known document and /healthz is the router's answer, status line, headers in order and bytes")
    func sameAnswers() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        let paths = live.snapshot.documents.keys.sorted() + [Endpoint.health]
        #expect(paths.contains("/.well-known/openid-configuration") && paths.contains("/.well-known/jwks.json"))
        let app = Application(router: PermisoApplication.router(live: live))
        let routed = try await app.test(.router) { client in
            var answers: [(HTTPResponse.Status, HTTPFields, ByteBuffer)] = []
            for path in paths {
                answers.append(try await client.execute(uri: path, method: .get) { ($0.status, $0.headers, $0.body) })
            }
            return answers
        }
        for (path, routed) in zip(paths, routed) {
            #expect(routed.0 == .ok)
            // A query does not change the route, here as in the router.
            for target in [path, path + "?probe=1"] {
                try send(channel, .GET, target)
                let (head, body) = try #require(try answer(channel), "\(target)")
                #expect(head.status == .ok && head.version == .http1_1 && body == routed.2, "\(target)")
                let date = try #require(head.headers.first(name: "Date"))
                #expect(date.wholeMatch(of: /[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/) != nil)
                var expected = routed.1
                expected[.contentLength] = String(routed.2.readableBytes)
                expected.append(HTTPField(name: .date, value: date))
                expected.append(HTTPField(name: .server, value: "Permiso"))
                #expect(head.headers == HTTPHeaders(expected), "\(target)")
            }
        }
        #expect(downstream.parts.isEmpty)
        #expect(documents.answered.load(ordering: .relaxed) == paths.count * 2)
    }

    /// Stands in for the router on a real HTTP/1.1 pipeline: a 404 with a body to every request.
    final class NotFound: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .notFound, headers: ["Content-Length": "9"]))),
                promise: nil
            )
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "not found")))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    @Test("On NIO's own HTTP/1.1 codec, a HEAD after a prepared answer gets no body and the GET after it gets its own")
    func headAfterPreparedAnswer() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let documents = PreparedDocuments(live: live, serverName: "Permiso", recordsMetrics: false)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false)
        try channel.pipeline.syncOperations.addHandlers([documents.handler(deadline: nil), NotFound()])
        var wire = ""
        for request in ["GET /healthz", "HEAD /x", "GET /y", "GET /healthz"] {
            try channel.writeInbound(ByteBuffer(string: "\(request) HTTP/1.1\r\nHost: id\r\n\r\n"))
            while let bytes = try channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = bytes { wire += String(buffer: buffer) }
            }
        }
        // The encoder pairs each response with its request's method: the HEAD's 404 carries
        // no body, and the GET's 404 after it carries its nine bytes.
        let notFound = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n"
        let parts = wire.split(separator: notFound, omittingEmptySubsequences: false).map(String.init)
        #expect(parts.count == 3, "\(wire)")
        #expect(parts[0].hasPrefix("HTTP/1.1 200 OK\r\n") && parts[0].hasSuffix("{\"status\":\"ok\"}\n"), "\(parts[0])")
        #expect(parts[1] == "", "the HEAD's answer has no body")
        #expect(parts[2].hasPrefix("not foundHTTP/1.1 200 OK\r\n") && parts[2].hasSuffix("{\"status\":\"ok\"}\n"), "\(parts[2])")
        #expect(documents.answered.load(ordering: .relaxed) == 2)
    }

    @Test("Every connection sends the snapshot's own bytes: a body is never copied, however many connections ask")
    func sharedBodies() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let path = "/.well-known/jwks.json"
        let original = try #require(live.snapshot.responses[path]).body
        func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? { buffer.withUnsafeReadableBytes { $0.baseAddress } }
        for _ in 0..<3 {
            let (channel, _, _) = try channel(live)
            try send(channel, .GET, path)
            let (_, body) = try #require(try answer(channel))
            #expect(address(body) == address(original) && body.readableBytes == original.readableBytes)
        }
    }

    @Test("Other methods, other paths, closing requests, HTTP/1.0 and look-alike paths reach the router untouched")
    func passThrough() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        let requests: [(HTTPMethod, String, HTTPHeaders, HTTPVersion)] = [
            (.HEAD, "/healthz", [:], .http1_1), (.POST, "/.well-known/jwks.json", [:], .http1_1),
            (.GET, "/oauth/userinfo", [:], .http1_1), (.GET, "/.well-known/jwks%2Ejson", [:], .http1_1),
            (.GET, "/healthz/", [:], .http1_1), (.GET, "//healthz", [:], .http1_1), (.GET, "/HEALTHZ", [:], .http1_1),
            (.GET, "http://id/healthz", [:], .http1_1), (.GET, "/healthz", ["Connection": "keep-alive"], .http1_0),
            (.GET, "/healthz", ["Expect": "100-continue"], .http1_1),
        ]
        for (index, (method, uri, headers, version)) in requests.enumerated() {
            try send(channel, method, uri, headers, version: version)
            #expect(try answer(channel) == nil, "\(method) \(uri)")
            // The router's answer ends before the next request, as it would on a connection.
            try routerAnswers(channel)
            guard downstream.parts.count == 2 * (index + 1), case .head(let request) = downstream.parts[2 * index] else {
                Issue.record("\(method) \(uri) did not reach the router whole")
                continue
            }
            #expect(request.method == method && request.uri == uri && request.version == version)
            #expect(request.headers.first(name: "Connection") == headers.first(name: "Connection"))
            #expect(request.headers.first(name: "Expect") == headers.first(name: "Expect"))
        }
        #expect(documents.answered.load(ordering: .relaxed) == 0)
    }

    @Test(
        "A request that closes the connection goes to the router, and so does everything after it",
        arguments: [
            (HTTPHeaders([("Connection", "close")]), HTTPVersion.http1_1), (HTTPHeaders(), HTTPVersion.http1_0),
        ]
    )
    func closing(headers: HTTPHeaders, version: HTTPVersion) async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        try send(channel, .GET, "/healthz", headers, version: version)
        #expect(try answer(channel) == nil && downstream.parts.count == 2)
        try routerAnswers(channel)
        try send(channel, .GET, "/healthz")
        #expect(try answer(channel) == nil && downstream.parts.count == 4 && documents.answered.load(ordering: .relaxed) == 0)
    }

    @Test("A prepared document pipelined behind a routed request waits its turn: HTTP/1.1 answers in order")
    func pipelined() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        try send(channel, .GET, "/oauth/userinfo")
        try send(channel, .GET, "/healthz")
        // The router has not answered the first: the second goes to it too, behind the first.
        #expect(try answer(channel) == nil)
        #expect(downstream.parts.count == 4 && documents.answered.load(ordering: .relaxed) == 0)
        try routerAnswers(channel)
        try routerAnswers(channel)
        // Both answered: the connection is idle again, and the next one is answered here.
        try send(channel, .GET, "/healthz")
        #expect(try answer(channel)?.body == ByteBuffer(string: "{\"status\":\"ok\"}\n"))
        #expect(downstream.parts.count == 4)
    }

    @Test("A GET with a body is answered once its body is in; the body never reaches the router")
    func bodyIgnored() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, _, downstream) = try channel(live)
        try channel.writeInbound(head(.GET, "/healthz", ["Content-Length": "7"]))
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "ignored")))
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(try answer(channel) != nil)
        #expect(downstream.parts.isEmpty)
    }

    @Test("A client that does not read its answers gets no more here: the router's path holds back instead")
    func notWritable() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        channel.isWritable = false
        try send(channel, .GET, "/healthz")
        #expect(try answer(channel) == nil && downstream.parts.count == 2)
        try routerAnswers(channel)
        channel.isWritable = true
        try send(channel, .GET, "/healthz")
        #expect(try answer(channel) != nil && documents.answered.load(ordering: .relaxed) == 1)
    }

    @Test("A graceful shutdown in the middle of a request answered here waits for the answer, and routes all after it")
    func quiesce() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, _, downstream) = try channel(live)
        // Between requests the event goes straight on: the connection is idle.
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(downstream.events.count == 1)

        let (second, documents, secondDownstream) = try self.channel(live)
        try second.writeInbound(head(.GET, "/healthz", [:]))
        second.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        // Hummingbird's state handler, which never saw this request, would close at once.
        #expect(secondDownstream.events.isEmpty)
        try second.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(try answer(second) != nil)
        #expect(secondDownstream.events.count == 1 && secondDownstream.events.first is ChannelShouldQuiesceEvent)
        // Anything read before the close goes to the router, which leaves it unanswered.
        try send(second, .GET, "/healthz")
        #expect(try answer(second) == nil && secondDownstream.parts.count == 2)
        #expect(documents.answered.load(ordering: .relaxed) == 1)
    }

    @Test("A document a reload adds is not answered here, as the router, whose routes are fixed at start, has none for it")
    func reloadKeepsRoutes() async throws {
        let workspace = try Workspace()
        let live = try await LiveDeployment(configFile: workspace.config, environment: [:])
        let (channel, documents, downstream) = try channel(live)
        try send(channel, .GET, "/.well-known/openid-configuration")
        let (_, before) = try #require(try answer(channel))
        let metadata = "/.well-known/oauth-protected-resource/api"
        try workspace.write(
            extra: "resources:\n  - id: http://127.0.0.1:8080/api\n    scopes: [api:read]\nscopes:\n  api:read:\n    description: Read\n"
        )
        #expect(await live.reload(logger: Logger(label: "test")))
        #expect(live.snapshot.documents[metadata] != nil)
        try send(channel, .GET, metadata)
        #expect(try answer(channel) == nil && downstream.parts.count == 2)
        try routerAnswers(channel)
        // The documents it started with are served from the reloaded snapshot, within the
        // same second as the answer before the reload.
        try send(channel, .GET, "/.well-known/openid-configuration")
        let (_, body) = try #require(try answer(channel))
        #expect(body == ByteBuffer(bytes: try #require(live.snapshot.documents["/.well-known/openid-configuration"]).contents))
        #expect(!String(buffer: before).contains("api:read"))
        #expect(String(buffer: body).contains("api:read") && documents.answered.load(ordering: .relaxed) == 2)
    }

    @Test("Date is RFC 9110's IMF-fixdate")
    func imfFixdate() {
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(epochSeconds: 1_795_996_800) == "Mon, 30 Nov 2026 00:00:00 GMT")
    }
}
