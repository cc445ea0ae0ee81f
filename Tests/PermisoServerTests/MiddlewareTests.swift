import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PermisoCore
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoServer

/// A log handler that keeps every line, message and metadata, for tests to read.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func handler(label: String) -> any LogHandler { Handler(log: self) }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.lines.withLock { $0.append("\(event.level) \(event.message) \(fields)") }
        }
    }
}

@Suite("Middleware: request log, OAuth JSON headers, page headers")
struct MiddlewareTests {
    func withApp(_ body: @Sendable (any TestClientProtocol, CapturedLog) async throws -> Void) async throws {
        let live = try await LiveDeployment(configFile: Repository.exampleConfig, environment: [:])
        let log = CapturedLog()
        var logger = Logger(label: "test", factory: log.handler)
        logger.logLevel = .debug
        try await Application(router: PermisoApplication.router(live: live), logger: logger).test(.router) { try await body($0, log) }
    }

    @Test("One line per request with method, route, status and duration; never a secret, code, state, token or password")
    func requestLog() async throws {
        try await withApp { client, log in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let secrets = ["service-secret", "state-3f9a1c", "nonce-77d2", "token-5e1b09", "alice-password", "tx-c0ffee"]
            try await client.execute(
                uri: "/oauth/token",
                method: .post,
                headers: form,
                body: ByteBuffer(string: "grant_type=client_credentials&client_id=service&client_secret=service-secret")
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/oauth/authorize?client_id=demo&response_type=code&scope=openid&state=state-3f9a1c&nonce=nonce-77d2"
                    + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fdemo%2Fcallback",
                method: .get
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/oauth/userinfo", method: .get, headers: [.authorization: "Bearer token-5e1b09"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/login",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "permiso_tx=tx-c0ffee"],
                body: ByteBuffer(string: "username=alice&password=alice-password&tx=tx-c0ffee")
            ) { #expect($0.status == .badRequest) }
            let text = log.text
            for secret in secrets { #expect(!text.contains(secret), "\(secret) must not be logged:\n\(text)") }
            let requests = log.lines.withLock { $0.filter { $0.contains(" request ") } }
            #expect(requests.count == 4, "\(text)")
            #expect(requests.contains { $0.contains("method=POST") && $0.contains("route=/oauth/token") && $0.contains("status=200") })
            #expect(requests.contains { $0.contains("route=/oauth/authorize") && $0.contains("status=200") })
            #expect(requests.contains { $0.contains("route=/oauth/userinfo") && $0.contains("status=401") })
            #expect(requests.allSatisfy { $0.contains("duration_ms=") && $0.contains("hb.request.id=") })
        }
    }

    @Test("OAuth JSON answers, errors included, carry no-store and Pragma; pages and their redirects the security headers")
    func groupHeaders() async throws {
        try await withApp { client, _ in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            for body in [
                "grant_type=client_credentials&client_id=service&client_secret=wrong", "grant_type=nope", String(repeating: "a", count: 70_000),
            ] {
                try await client.execute(uri: "/oauth/token", method: .post, headers: form, body: ByteBuffer(string: body)) { response in
                    #expect(response.status.code >= 400)
                    #expect(response.headers[.cacheControl] == "no-store")
                    #expect(response.headers[HTTPField.Name("Pragma")!] == "no-cache")
                }
            }
            // A redirect out of the page group (an error after the redirect URI was trusted).
            try await client.execute(
                uri: "/oauth/authorize?client_id=demo&response_type=token&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fdemo%2Fcallback",
                method: .get
            ) { response in
                #expect(response.status == .found)
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            }
            // An error page for an untrusted request: HTML, with the error's status and the headers.
            try await client.execute(uri: "/oauth/authorize?client_id=nobody", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            // A form body over the pages' 16 KiB limit is refused as a page, not parsed.
            try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: String(repeating: "a", count: 17_000))) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("larger than 16384 bytes"))
            }
        }
    }
}
