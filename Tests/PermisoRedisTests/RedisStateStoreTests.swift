import Foundation
import NIOCore
import NIOPosix
import PermisoTesting
import Testing

@testable import PermisoCore
@testable import PermisoRedis

/// What only Redis has: URLs, error replies, timeouts, outages; against a real `redis-server` on loopback.
@Suite("State store: Redis")
struct RedisStateStoreTests {
    private func withStore(
        timeout: TimeAmount = .seconds(2),
        _ body: (RedisStateStore, RedisServer) async throws -> Void
    ) async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let store = try RedisStateStore(
            endpoint: server.endpoint,
            timeout: timeout,
            prefix: "test:\(UUID().uuidString):",
            group: MultiThreadedEventLoopGroup.singleton
        )
        defer { store.close() }
        try await body(store, server)
    }

    @Test("a password and database from the URL are used")
    func authenticatedDatabase() async throws {
        let server = try await RedisServer.start(password: "s3cret pass")
        defer { server.stop() }
        let url = "redis://:s3cret%20pass@127.0.0.1:\(server.port)/3"
        let endpoint = try RedisEndpoint.parse(url).get()
        #expect(endpoint.password == "s3cret pass" && endpoint.database == 3)
        let store = try RedisStateStore(endpoint: endpoint, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        #expect(try await store.insert("k", value: "v", lifetime: 60))
        let keys = try await server.command(["-n", "3", "--scan"])
        #expect(keys == "permiso:k", "the key lands in database 3 under the permiso: prefix")

        var wrong = endpoint
        wrong.password = "guess"
        let refused = try RedisStateStore(endpoint: wrong, group: MultiThreadedEventLoopGroup.singleton)
        defer { refused.close() }
        await #expect(throws: RedisError.self) { try await refused.value("k") }
    }

    @Test("A Redis that may evict keys is refused on every connection, and accepted once it says noeviction")
    func evictionPolicy() async throws {
        let server = try await RedisServer.start(extra: ["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"])
        defer { server.stop() }
        let store = try RedisStateStore(endpoint: server.endpoint, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        await #expect(throws: RedisError.evictionPolicy("allkeys-lru")) { try await store.preflight() }
        await #expect(throws: RedisError.evictionPolicy("allkeys-lru")) { try await store.claimOnce("code:x", lifetime: 60) }
        _ = try await server.command(["CONFIG", "SET", "maxmemory-policy", "volatile-ttl"])
        await #expect(throws: RedisError.evictionPolicy("volatile-ttl")) { try await store.claimOnce("code:x", lifetime: 60) }
        _ = try await server.command(["CONFIG", "SET", "maxmemory-policy", "noeviction"])
        #expect(try await store.claimOnce("code:x", lifetime: 60), "the next connection checks again and is accepted")
        #expect(RedisConnection.evictionPolicy(in: "# Memory\r\nused_memory:1\r\nmaxmemory_policy:noeviction\r\n") == "noeviction")
        #expect(RedisConnection.evictionPolicy(in: "# Memory\r\nused_memory:1\r\n") == nil)
    }

    @Test("A Redis without an append-only file is a warning at start; one with it is not")
    func durability() async throws {
        let volatile = try await RedisServer.start()
        defer { volatile.stop() }
        let store = try RedisStateStore(endpoint: volatile.endpoint, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        let warnings = try await store.preflight()
        #expect(warnings.count == 1 && warnings[0].contains("appendonly no") && warnings[0].contains("become valid again"), "\(warnings)")

        let folder = try TemporaryDirectory()
        let durable = try await RedisServer.start(extra: ["--appendonly", "yes", "--dir", folder.path])
        defer { durable.stop() }
        let durableStore = try RedisStateStore(endpoint: durable.endpoint, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
        defer { durableStore.close() }
        #expect(try await durableStore.preflight().isEmpty)
        #expect(RedisStateStore.durabilityWarning(in: "# Persistence\r\nloading:0\r\n") == nil, "a server that does not say is not warned about")
    }

    @Test("an error reply throws, and the connection keeps serving")
    func errorReply() async throws {
        try await withStore { store, server in
            _ = try await server.command(["RPUSH", "permiso:list", "x"])
            let listStore = try RedisStateStore(endpoint: server.endpoint, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
            defer { listStore.close() }
            await #expect(throws: RedisError.self) { try await listStore.increment("list", window: 10) }
            #expect(try await listStore.claimOnce("after", lifetime: 10))
        }
    }

    @Test("a server that never answers times out instead of hanging")
    func silentServer() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let endpoint = RedisEndpoint(host: "127.0.0.1", port: silent.port, database: 0, usesTLS: false)
        let store = try RedisStateStore(endpoint: endpoint, timeout: .milliseconds(300), group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        // The command timeout, not the connection or anything else, ends the wait. (Wall time is
        // no evidence here: with every suite running at once the task may wait for a thread.)
        await #expect(throws: RedisError.timeout) { try await store.claimOnce("code:x", lifetime: 10) }
    }

    @Test("nothing listening fails at once; service resumes when Redis returns, without a new store")
    func outageAndRecovery() async throws {
        let server = try await RedisServer.start()
        let store = try RedisStateStore(endpoint: server.endpoint, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        #expect(try await store.claimOnce("before", lifetime: 60))
        server.stop()
        await #expect(throws: (any Error).self) { try await store.claimOnce("during", lifetime: 60) }
        let again = try await RedisServer.start(port: server.port)
        defer { again.stop() }
        var recovered = false
        for _ in 0..<20 where !recovered {
            recovered = (try? await store.claimOnce("after", lifetime: 60)) != nil
            if !recovered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recovered)
    }
}

@Suite("State store: Redis over TLS (rediss://)")
struct RedisTLSTests {
    @Test("rediss:// verifies the server against ssl_ca_certs; without the CA, or in plain text, nothing is sent")
    func tls() async throws {
        let folder = try TemporaryDirectory()
        let certificates = try TestCertificates(in: folder)
        let server = try await RedisServer.start(tls: certificates)
        defer { server.stop() }
        let url = "rediss://127.0.0.1:\(server.port)/0?ssl_ca_certs=\(certificates.ca)"
        let endpoint = try RedisEndpoint.parse(url).get()
        #expect(endpoint.usesTLS && endpoint.caFile == certificates.ca)
        let store = try RedisStateStore(endpoint: endpoint, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        #expect(try await store.insert("tls", value: "yes", lifetime: 60))
        #expect(try await store.value("tls") == "yes")

        // The system's roots do not know the test CA: the handshake fails, no command is sent.
        var untrusted = endpoint
        untrusted.caFile = nil
        let stranger = try RedisStateStore(endpoint: untrusted, group: MultiThreadedEventLoopGroup.singleton)
        defer { stranger.close() }
        await #expect(throws: (any Error).self) { try await stranger.value("tls") }

        // Plain text to a TLS port gets no answer it can read, within the timeout.
        var plain = endpoint
        plain.usesTLS = false
        plain.caFile = nil
        let clear = try RedisStateStore(endpoint: plain, timeout: .milliseconds(500), group: MultiThreadedEventLoopGroup.singleton)
        defer { clear.close() }
        await #expect(throws: (any Error).self) { try await clear.value("tls") }
    }

    @Test("A CA file that is not PEM is refused when the store is made")
    func badCAFile() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("ca.pem", "not a certificate")
        let endpoint = RedisEndpoint(host: "127.0.0.1", port: 6379, usesTLS: true, caFile: path)
        #expect(throws: (any Error).self) { try RedisStateStore(endpoint: endpoint, group: MultiThreadedEventLoopGroup.singleton) }
    }
}
