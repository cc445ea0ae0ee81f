import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

/// A config and a copy of the development keys in a fresh folder.
final class Workspace {
    let path = NSTemporaryDirectory() + "permiso-server-tests-" + UUID().uuidString
    var config: String { path + "/permiso.yaml" }

    init(issuer: String = "http://127.0.0.1:8080") throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repository.root + "/keys", toPath: path + "/keys")
        try write(issuer: issuer)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(issuer: String = "http://127.0.0.1:8080", extra: String = "") throws {
        try Data("issuer: \(issuer)\n\(extra)".utf8).write(to: URL(fileURLWithPath: config))
    }
}

@Suite("Token service: well-known documents, health, reload")
struct ServerTests {
    let logger = Logger(label: "test")

    @Test("Discovery, the JWKS and the example API's metadata are served byte-identical to the committed site/, with its headers")
    func wellKnownMatchesBuild() async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let app = Application(router: PermisoApplication.router(live: live))
        try await app.test(.router) { client in
            for (path, maxAge) in [
                ("/.well-known/openid-configuration", 3600), ("/.well-known/oauth-authorization-server", 3600),
                ("/.well-known/jwks.json", 300),
                // The example API's RFC 9728 metadata: at the issuer's origin, so served here too.
                ("/.well-known/oauth-protected-resource/api", 3600),
            ] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json")
                    #expect(response.headers[.cacheControl] == "public, max-age=\(maxAge)")
                    #expect(response.headers[.accessControlAllowOrigin] == "*")
                    let committed = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/site" + path))
                    #expect(Data(response.body.readableBytesView) == committed)
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "{\"status\":\"ok\"}\n")
            }
            try await client.execute(uri: "/.well-known/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("A reload republishes a changed config; an invalid one keeps the old serving")
    func reload() async throws {
        let workspace = try Workspace()
        let live = try await LiveDeployment(configFile: workspace.config, environment: [:])
        let before = try #require(live.snapshot.documents["/.well-known/openid-configuration"]).contents
        try workspace.write(extra: "scopes:\n  groups:\n    description: Groups\n    claims: [groups]\n")
        #expect(await live.reload(logger: logger))
        let after = try #require(live.snapshot.documents["/.well-known/openid-configuration"]).contents
        #expect(after != before)
        #expect(String(decoding: after, as: UTF8.self).contains("\"groups\""))

        try workspace.write(extra: "clients: [oops\n")
        #expect(!(await live.reload(logger: logger)))
        #expect(live.snapshot.documents["/.well-known/openid-configuration"]?.contents == after)

        let app = Application(router: PermisoApplication.router(live: live))
        try await app.test(.router) { client in
            try await client.execute(uri: "/.well-known/openid-configuration", method: .get) { response in
                #expect(Data(response.body.readableBytesView) == after)
            }
        }
    }

    @Test("Development keys are refused unless the issuer is a loopback URL")
    func developmentKeys() async throws {
        let public_ = try Workspace(issuer: "https://id.example.com")
        let error = await #expect(throws: ServeRefusal.self) {
            try await LiveDeployment(configFile: public_.config, environment: [:])
        }
        #expect(error?.description.hasPrefix("refusing to serve https://id.example.com with development keys") == true)
        // And a reload onto a public issuer is refused too, keeping the loopback config.
        let workspace = try Workspace()
        let live = try await LiveDeployment(configFile: workspace.config, environment: [:])
        try workspace.write(issuer: "https://id.example.com")
        #expect(!(await live.reload(logger: logger)))
        #expect(live.snapshot.deployment.config.issuer.absoluteString == "http://127.0.0.1:8080")
    }

    @Test("OAuth errors render as RFC 6749 §5.2 JSON with their status and no-store")
    func oauthErrorBody() async throws {
        let router = Router()
        router.get("/fail") { _, _ -> String in throw OAuthError.invalidGrant("the code was already used") }
        router.get("/client") { _, _ -> String in throw OAuthError.invalidClient("unknown client") }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/fail", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.cacheControl] == "no-store")
                let body = try JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))
                #expect(body == ["error": "invalid_grant", "error_description": "the code was already used"])
            }
            try await client.execute(uri: "/client", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}

@Suite("Client address behind a load balancer")
struct ClientAddressTests {
    func request(forwardedFor: [String]) -> Request {
        var head = HTTPRequest(method: .post, scheme: "http", authority: "id.example.com", path: "/login")
        for value in forwardedFor { head.headerFields.append(HTTPField(name: .xForwardedFor, value: value)) }
        return Request(head: head, body: .init(buffer: ByteBuffer()))
    }

    @Test("Only a trusted proxy's X-Forwarded-For counts, read from the right, past other trusted proxies")
    func forwardedFor() {
        let address = ClientAddress(trustedProxies: TrustedProxies([try! IPNetwork("10.0.0.1"), try! IPNetwork("10.0.0.2")]))
        // A direct client cannot claim another address.
        #expect(address.of(request(forwardedFor: ["1.2.3.4"]), peer: "203.0.113.9") == "203.0.113.9")
        // Through the balancer: the client it saw.
        #expect(address.of(request(forwardedFor: ["198.51.100.7"]), peer: "10.0.0.1") == "198.51.100.7")
        // A spoofed entry the client wrote sits to the left and is ignored; a second trusted hop is skipped.
        #expect(address.of(request(forwardedFor: ["6.6.6.6, 198.51.100.7", "10.0.0.2"]), peer: "10.0.0.1") == "198.51.100.7")
        #expect(address.of(request(forwardedFor: []), peer: "10.0.0.1") == "10.0.0.1")
        // Anything but an address in the hop that counts is not believed: the peer counts.
        for garbage in ["unknown", "198.51.100.7:443", String(repeating: "a", count: 5_000)] {
            #expect(address.of(request(forwardedFor: ["1.2.3.4, \(garbage)"]), peer: "10.0.0.1") == "10.0.0.1", "\(garbage.prefix(20))")
        }
        #expect(address.of(request(forwardedFor: ["2001:db8::7"]), peer: "10.0.0.1") == "2001:db8::/64")
        #expect(address.of(request(forwardedFor: ["1.2.3.4"]), peer: nil) == "unknown")
    }

    @Test("A trusted block covers every balancer in it, in either spelling; addresses come out as throttles count them")
    func trustedBlocks() throws {
        let address = ClientAddress(trustedProxies: TrustedProxies([try IPNetwork("10.0.0.0/8"), try IPNetwork("fd00::/8")]))
        #expect(address.of(request(forwardedFor: ["198.51.100.7"]), peer: "10.3.2.1") == "198.51.100.7")
        #expect(address.of(request(forwardedFor: ["198.51.100.7"]), peer: "::ffff:10.3.2.1") == "198.51.100.7", "dual-stack spelling")
        #expect(address.of(request(forwardedFor: ["198.51.100.7, 10.9.9.9"]), peer: "fd12::1") == "198.51.100.7")
        #expect(address.of(request(forwardedFor: ["::ffff:198.51.100.7"]), peer: "10.0.0.1") == "198.51.100.7")
        #expect(address.of(request(forwardedFor: ["2001:db8:1:2:3:4:5:6"]), peer: "10.0.0.1") == "2001:db8:1:2::/64")
        // Outside the block: the peer counts, grouped the same way, and its header is ignored.
        #expect(address.of(request(forwardedFor: ["198.51.100.7"]), peer: "11.0.0.1") == "11.0.0.1")
        #expect(address.of(request(forwardedFor: ["198.51.100.7"]), peer: "2001:db8:9:9::5") == "2001:db8:9:9::/64")
        #expect(address.of(request(forwardedFor: ["10.1.1.1"]), peer: "10.0.0.1") == "10.0.0.1", "every hop trusted: the peer")
    }
}
