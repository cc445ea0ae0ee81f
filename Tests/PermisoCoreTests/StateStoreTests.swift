import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import PermisoCore
@testable import PermisoRedis

/// A clock tests move by hand.
final class TestClock: WallClock {
    private let time: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        time = Mutex(start)
    }

    func now() -> Date { time.withLock { $0 } }

    func advance(_ seconds: TimeInterval) {
        time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// How a conformance test moves time for the store under test: the memory store follows a
/// `TestClock`, Redis keeps its own time, so for it the test really waits.
struct Timeline: Sendable {
    var now: @Sendable () -> Date
    var advance: @Sendable (TimeInterval) async throws -> Void

    static func manual(_ clock: TestClock) -> Timeline {
        Timeline(now: { clock.now() }, advance: { clock.advance($0) })
    }

    static let real = Timeline(now: { Date() }, advance: { try await Task.sleep(for: .milliseconds(Int($0 * 1_000))) })
}

/// The behaviour every `StateStore` backend must have; both backends run every function.
/// What must still be there uses long lifetimes and what must expire uses a second or two,
/// so the Redis run stays short and a loaded machine cannot expire a key early.
enum StateStoreConformance {
    static func claimOnce(_ store: some StateStore, _ time: Timeline) async throws {
        #expect(try await store.claimOnce("code:a", lifetime: 60))
        #expect(try await !store.claimOnce("code:a", lifetime: 60))
        #expect(try await store.claimOnce("code:b", lifetime: 60))
        #expect(try await store.claimOnce("code:short", lifetime: 1))
        try await time.advance(1.2)
        // After its lifetime the key is gone (the code it guarded has expired by then too).
        #expect(try await store.claimOnce("code:short", lifetime: 1))
        #expect(try await !store.claimOnce("code:a", lifetime: 60))
    }

    static func parallelClaims(_ store: some StateStore) async throws {
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 { group.addTask { try await store.claimOnce("code:race", lifetime: 60) } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
    }

    static func denial(_ store: some StateStore, _ time: Timeline) async throws {
        #expect(try await !store.isDenied("family:f"))
        try await store.deny("family:f", until: time.now().addingTimeInterval(60))
        #expect(try await store.isDenied("family:f"))
        try await store.deny("family:f", until: time.now().addingTimeInterval(0.5))
        try await store.deny("family:g", until: time.now().addingTimeInterval(1))
        try await time.advance(1.2)
        #expect(try await store.isDenied("family:f"), "a shorter second denial must not shorten the first")
        #expect(try await !store.isDenied("family:g"), "a denial ends when it says")
        // A denial whose end has passed already denies nothing.
        try await store.deny("family:h", until: time.now().addingTimeInterval(-1))
        #expect(try await !store.isDenied("family:h"))
    }

    static func counters(_ store: some StateStore, _ time: Timeline) async throws {
        #expect(try await store.increment("login:alice", window: 60) == 1)
        #expect(try await store.increment("login:alice", window: 60) == 2)
        #expect(try await store.increment("login:bob", window: 60) == 1)
        #expect(try await store.increment("login:short", window: 1) == 1)
        #expect(try await store.increment("login:short", window: 1) == 2)
        try await time.advance(1.2)
        #expect(try await store.increment("login:short", window: 1) == 1, "a new window starts from zero")
        #expect(try await store.increment("login:alice", window: 60) == 3)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 { group.addTask { try await store.increment("login:race", window: 300) } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == Array(1...50), "parallel increments must not be lost")
    }

    static func decrements(_ store: some StateStore, _ time: Timeline) async throws {
        for _ in 0..<3 { _ = try await store.increment("login:carol", window: 60) }
        try await store.decrement("login:carol")
        #expect(try await store.increment("login:carol", window: 60) == 3, "one attempt given back")
        try await store.decrement("login:nobody")
        #expect(try await store.increment("login:nobody", window: 60) == 1, "decrement never creates or goes below zero")
        _ = try await store.increment("login:short", window: 1)
        try await time.advance(1.2)
        try await store.decrement("login:short")
        #expect(try await store.increment("login:short", window: 1) == 1, "an expired counter stays gone")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    if index % 2 == 0 {
                        _ = try await store.increment("login:race2", window: 300)
                    } else {
                        try await store.decrement("login:race2")
                    }
                }
            }
            try await group.waitForAll()
        }
        // Each decrement either met a count above zero or found none: never below zero, never lost.
        let after = try await store.increment("login:race2", window: 300)
        #expect((1...21).contains(after))
    }

    static func records(_ store: some StateStore, _ time: Timeline) async throws {
        #expect(try await store.value("device:ABCD") == nil)
        #expect(try await store.insert("device:ABCD", value: "pending", lifetime: 60))
        #expect(try await !store.insert("device:ABCD", value: "other", lifetime: 60), "insert never overwrites")
        #expect(try await store.value("device:ABCD") == "pending")
        #expect(try await !store.replace("device:ABCD", expected: "approved", with: "denied"))
        #expect(try await store.replace("device:ABCD", expected: "pending", with: "approved"))
        #expect(try await store.value("device:ABCD") == "approved")
        #expect(try await !store.replace("device:NONE", expected: "pending", with: "approved"))
        #expect(try await store.value("device:NONE") == nil, "replace never creates")
        #expect(try await store.insert("device:SHORT", value: "pending", lifetime: 2))
        #expect(try await store.replace("device:SHORT", expected: "pending", with: "approved"))
        try await time.advance(2.2)
        #expect(try await store.value("device:SHORT") == nil, "the replacement kept the original lifetime")
        #expect(try await store.value("device:ABCD") == "approved")
    }

    static func parallelReplace(_ store: some StateStore) async throws {
        #expect(try await store.insert("device:RACE", value: "pending", lifetime: 60))
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<32 {
                group.addTask { try await store.replace("device:RACE", expected: "pending", with: "decided-\(index)") }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1, "one decision wins; the others see it was taken")
    }
}

@Suite("State store: memory")
struct MemoryStateStoreTests {
    @Test("claim once")
    func claimOnce() async throws {
        let clock = TestClock()
        try await StateStoreConformance.claimOnce(MemoryStateStore(clock: clock), .manual(clock))
    }

    @Test("parallel claims have one winner")
    func parallelClaims() async throws {
        try await StateStoreConformance.parallelClaims(MemoryStateStore(clock: TestClock()))
    }

    @Test("deny until")
    func denial() async throws {
        let clock = TestClock()
        try await StateStoreConformance.denial(MemoryStateStore(clock: clock), .manual(clock))
    }

    @Test("counters")
    func counters() async throws {
        let clock = TestClock()
        try await StateStoreConformance.counters(MemoryStateStore(clock: clock), .manual(clock))
    }

    @Test("decrements give attempts back")
    func decrements() async throws {
        let clock = TestClock()
        try await StateStoreConformance.decrements(MemoryStateStore(clock: clock), .manual(clock))
    }

    @Test("records: insert, read, compare-and-set")
    func records() async throws {
        let clock = TestClock()
        try await StateStoreConformance.records(MemoryStateStore(clock: clock), .manual(clock))
    }

    @Test("parallel compare-and-set has one winner")
    func parallelReplace() async throws {
        try await StateStoreConformance.parallelReplace(MemoryStateStore(clock: TestClock()))
    }

    @Test("expired entries are swept, so memory follows what is live")
    func sweep() async throws {
        let clock = TestClock()
        let store = MemoryStateStore(clock: clock)
        for index in 0..<1_000 { _ = await store.claimOnce("code:\(index)", lifetime: 60) }
        clock.advance(61)
        for index in 0..<100 { _ = await store.claimOnce("fresh:\(index)", lifetime: 60) }
        #expect(store.entryCount < 1_000)
    }
}

/// The same suite against a real `redis-server` each test starts on a loopback port.
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

    @Test("claim once")
    func claimOnce() async throws {
        try await withStore { store, _ in try await StateStoreConformance.claimOnce(store, .real) }
    }

    @Test("parallel claims have one winner")
    func parallelClaims() async throws {
        try await withStore { store, _ in try await StateStoreConformance.parallelClaims(store) }
    }

    @Test("deny until")
    func denial() async throws {
        try await withStore { store, _ in try await StateStoreConformance.denial(store, .real) }
    }

    @Test("counters")
    func counters() async throws {
        try await withStore { store, _ in try await StateStoreConformance.counters(store, .real) }
    }

    @Test("decrements give attempts back")
    func decrements() async throws {
        try await withStore { store, _ in try await StateStoreConformance.decrements(store, .real) }
    }

    @Test("records: insert, read, compare-and-set")
    func records() async throws {
        try await withStore { store, _ in try await StateStoreConformance.records(store, .real) }
    }

    @Test("parallel compare-and-set has one winner")
    func parallelReplace() async throws {
        try await withStore { store, _ in try await StateStoreConformance.parallelReplace(store) }
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
        let started = Date()
        await #expect(throws: RedisError.self) { try await store.claimOnce("code:x", lifetime: 10) }
        #expect(Date().timeIntervalSince(started) < 10, "bounded by the 300 ms timeout, not hung (slack for a loaded machine)")
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

@Suite("RESP decoding")
struct RESPDecoderTests {
    private func decode(_ text: String) throws -> RESPValue? {
        var buffer = ByteBuffer(string: text)
        return try RESPDecoder.parse(&buffer, depth: 0)
    }

    @Test("every reply shape")
    func shapes() throws {
        #expect(try decode("+OK\r\n") == .simpleString("OK"))
        #expect(try decode("-ERR wrong\r\n") == .error("ERR wrong"))
        #expect(try decode(":42\r\n") == .integer(42))
        #expect(try decode("$5\r\nhe\r\no\r\n") == .bulkString(ByteBuffer(string: "he\r\no")))
        #expect(try decode("$-1\r\n") == .bulkString(nil))
        #expect(try decode("*2\r\n:1\r\n$1\r\na\r\n") == .array([.integer(1), .bulkString(ByteBuffer(string: "a"))]))
    }

    @Test("an incomplete reply waits for more bytes")
    func incomplete() throws {
        for partial in ["+OK", "$5\r\nhel", "*2\r\n:1\r\n", ":"] {
            #expect(try decode(partial) == nil, "\(partial.debugDescription)")
        }
    }

    @Test("garbage is a protocol violation, not a crash or a huge allocation")
    func garbage() {
        for bad in ["?\r\n", ":x\r\n", "$99999999999\r\n", "$-5\r\n", "*-2\r\n", "$1\r\nab\r\n", String(repeating: "*1\r\n", count: 20) + ":1\r\n"] {
            #expect(throws: RedisError.self, "\(bad.debugDescription)") { try decode(bad) }
        }
    }
}
