import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import PermisoCore
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoServer

/// The prepared documents answered ahead of the router: the router's bytes, and the router
/// never asked; everything else, and anything out of turn, passed on untouched.
@Suite("Prepared documents ahead of the router")
struct PreparedDocumentsTests {
    /// Stands in for the router: records every request part that reaches it.
    final class Downstream: ChannelInboundHandler {
        typealias InboundIn = HTTPRequestPart
        var parts: [HTTPRequestPart] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            parts.append(unwrapInboundIn(data))
        }
    }

    func channel(_ live: LiveDeployment) throws -> (EmbeddedChannel, PreparedDocuments, Downstream) {
        let documents = PreparedDocuments(live: live, serverName: "Permiso", recordsMetrics: false)
        let downstream = Downstream()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([documents.handler(), downstream])
        return (channel, documents, downstream)
    }

    func send(_ channel: EmbeddedChannel, _ method: HTTPRequest.Method = .get, _ path: String, _ headers: HTTPFields = [:]) throws {
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: method, scheme: nil, authority: "id", path: path, headerFields: headers)))
        try channel.writeInbound(HTTPRequestPart.end(nil))
    }

    /// The answer the handler wrote, if it wrote one.
    func answer(_ channel: EmbeddedChannel) throws -> (HTTPResponse, ByteBuffer)? {
        guard let first = try channel.readOutbound(as: HTTPResponsePart.self) else { return nil }
        guard case .head(let head) = first, case .body(let body) = try channel.readOutbound(as: HTTPResponsePart.self),
            case .end(nil) = try channel.readOutbound(as: HTTPResponsePart.self)
        else {
            Issue.record("not a head, one body part and an end")
            return nil
        }
        return (head, body)
    }

    @Test("Each well-known document and /healthz is the router's answer, headers in order and bytes, without the router")
    func sameAnswers() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        let paths = live.snapshot.documents.keys.sorted() + [Endpoint.health]
        #expect(paths.contains("/.well-known/openid-configuration") && paths.contains("/.well-known/jwks.json"))
        let app = Application(router: PermisoApplication.router(live: live))
        try await app.test(.router) { client in
            for path in paths {
                let routed = try await client.execute(uri: path, method: .get) { ($0.status, $0.headers, $0.body) }
                // A query does not change the route, here as in the router.
                for target in [path, path + "?probe=1"] {
                    try send(channel, .get, target)
                    let (head, body) = try #require(try answer(channel), "\(target)")
                    #expect(head.status == routed.0 && body == routed.2, "\(target)")
                    var expected = routed.1
                    expected[.contentLength] = String(routed.2.readableBytes)
                    let date = try #require(head.headerFields[.date])
                    expected.append(HTTPField(name: .date, value: date))
                    expected.append(HTTPField(name: .server, value: "Permiso"))
                    #expect(Array(head.headerFields) == Array(expected), "\(target)")
                    #expect(date.wholeMatch(of: /[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/) != nil)
                }
            }
        }
        #expect(downstream.parts.isEmpty)
        #expect(documents.answered.load(ordering: .relaxed) == paths.count * 2)
    }

    @Test("Other methods, other paths, Connection: close and look-alike paths reach the router untouched")
    func passThrough() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        let requests: [(HTTPRequest.Method, String, HTTPFields)] = [
            (.head, "/healthz", [:]), (.post, "/.well-known/jwks.json", [:]), (.get, "/oauth/userinfo", [:]),
            (.get, "/healthz", [.connection: "close"]), (.get, "/.well-known/jwks%2Ejson", [:]), (.get, "/healthz/", [:]),
            (.get, "//healthz", [:]), (.get, "/HEALTHZ", [:]),
        ]
        for (index, (method, path, headers)) in requests.enumerated() {
            try send(channel, method, path, headers)
            #expect(try answer(channel) == nil, "\(method) \(path)")
            // The router's answer ends before the next request, as it would on a connection.
            try channel.writeOutbound(HTTPResponsePart.end(nil))
            _ = try channel.readOutbound(as: HTTPResponsePart.self)
            guard downstream.parts.count == 2 * (index + 1), case .head(let head) = downstream.parts[2 * index] else {
                Issue.record("\(method) \(path) did not reach the router whole")
                continue
            }
            #expect(head.method == method && head.path == path && head.headerFields == headers)
        }
        #expect(documents.answered.load(ordering: .relaxed) == 0)
    }

    @Test("A prepared document pipelined behind a routed request waits its turn: HTTP/1.1 answers in order")
    func pipelined() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        try send(channel, .get, "/oauth/userinfo")
        try send(channel, .get, "/healthz")
        // The router has not answered the first: the second goes to it too, behind the first.
        #expect(try answer(channel) == nil)
        #expect(downstream.parts.count == 4 && documents.answered.load(ordering: .relaxed) == 0)
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPResponsePart.self)
        _ = try channel.readOutbound(as: HTTPResponsePart.self)
        // Both answered: the connection is idle again, and the next one is answered here.
        try send(channel, .get, "/healthz")
        #expect(try answer(channel)?.1 == ByteBuffer(string: "{\"status\":\"ok\"}\n"))
        #expect(downstream.parts.count == 4)
    }

    @Test("A GET with a body is answered once its body is in; the body never reaches the router")
    func bodyIgnored() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, _, downstream) = try channel(live)
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "id", path: "/healthz")))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "ignored")))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try answer(channel) != nil)
        #expect(downstream.parts.isEmpty)
    }

    @Test("A client that does not read its answers gets no more here: the router's path holds back instead")
    func notWritable() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        channel.isWritable = false
        try send(channel, .get, "/healthz")
        #expect(try answer(channel) == nil && downstream.parts.count == 2)
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPResponsePart.self)
        channel.isWritable = true
        try send(channel, .get, "/healthz")
        #expect(try answer(channel) != nil && documents.answered.load(ordering: .relaxed) == 1)
    }

    @Test("After a request with Connection: close, nothing more is answered here: the router closes the connection")
    func closing() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let (channel, documents, downstream) = try channel(live)
        try send(channel, .get, "/oauth/userinfo", [.connection: "close"])
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPResponsePart.self)
        try send(channel, .get, "/healthz")
        #expect(try answer(channel) == nil && downstream.parts.count == 4 && documents.answered.load(ordering: .relaxed) == 0)
    }

    @Test("A document a reload adds is not answered here, as the router, whose routes are fixed at start, has none for it")
    func reloadKeepsRoutes() async throws {
        let workspace = try Workspace()
        let live = try await LiveDeployment(configFile: workspace.config, environment: [:])
        let (channel, documents, downstream) = try channel(live)
        let metadata = "/.well-known/oauth-protected-resource/api"
        try workspace.write(
            extra: "resources:\n  - id: http://127.0.0.1:8080/api\n    scopes: [api:read]\nscopes:\n  api:read:\n    description: Read\n"
        )
        #expect(await live.reload(logger: Logger(label: "test")))
        #expect(live.snapshot.documents[metadata] != nil)
        try send(channel, .get, metadata)
        #expect(try answer(channel) == nil && downstream.parts.count == 2)
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPResponsePart.self)
        // The documents it started with are served from the reloaded snapshot.
        try send(channel, .get, "/.well-known/openid-configuration")
        let (_, body) = try #require(try answer(channel))
        #expect(body == ByteBuffer(bytes: try #require(live.snapshot.documents["/.well-known/openid-configuration"]).contents))
        #expect(String(buffer: body).contains("api:read") && documents.answered.load(ordering: .relaxed) == 1)
    }

    @Test("Date is RFC 9110's IMF-fixdate")
    func imfFixdate() {
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(epochSeconds: 1_795_996_800) == "Mon, 30 Nov 2026 00:00:00 GMT")
    }
}
