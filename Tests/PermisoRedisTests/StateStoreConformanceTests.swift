import Foundation
import NIOCore
import NIOPosix
import PermisoTesting
import Testing

@testable import PermisoCore
@testable import PermisoRedis

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
    static func claimOnce(_ store: any StateStore, _ time: Timeline) async throws {
        #expect(try await store.claimOnce("code:a", lifetime: 60))
        #expect(try await !store.claimOnce("code:a", lifetime: 60))
        #expect(try await store.claimOnce("code:b", lifetime: 60))
        #expect(try await store.claimOnce("code:short", lifetime: 1))
        try await time.advance(1.2)
        // After its lifetime the key is gone (the code it guarded has expired by then too).
        #expect(try await store.claimOnce("code:short", lifetime: 1))
        #expect(try await !store.claimOnce("code:a", lifetime: 60))
    }

    static func parallelClaims(_ store: any StateStore) async throws {
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 { group.addTask { try await store.claimOnce("code:race", lifetime: 60) } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
    }

    static func denial(_ store: any StateStore, _ time: Timeline) async throws {
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

    static func counters(_ store: any StateStore, _ time: Timeline) async throws {
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

    static func decrements(_ store: any StateStore, _ time: Timeline) async throws {
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

    static func records(_ store: any StateStore, _ time: Timeline) async throws {
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

    static func reads(_ store: any StateStore, _ time: Timeline) async throws {
        #expect(try await store.read([]) == [])
        #expect(try await store.claimOnce("code:r", lifetime: 60))
        try await store.deny("sid:r", until: time.now().addingTimeInterval(60))
        #expect(try await store.insert("device:R", value: "pending", lifetime: 60))
        _ = try await store.increment("login:r", window: 60)
        _ = try await store.increment("login:r", window: 60)
        try await store.deny("sid:gone", until: time.now().addingTimeInterval(1))
        try await time.advance(1.2)
        // One answer per key, in order: claims and denials read as "1", a value as itself,
        // a counter as its count, and what is absent or expired as nil.
        #expect(
            try await store.read(["code:r", "sid:r", "device:R", "login:r", "sid:none", "sid:gone", "sid:r"])
                == ["1", "1", "pending", "2", nil, nil, "1"]
        )
    }

    static func raises(_ store: any StateStore, _ time: Timeline) async throws {
        try await store.raise("epoch-sub:a", to: 1_000, until: time.now().addingTimeInterval(60))
        #expect(try await store.read(["epoch-sub:a"]) == ["1000"])
        // An earlier value and a shorter lifetime change nothing.
        try await store.raise("epoch-sub:a", to: 900, until: time.now().addingTimeInterval(0.5))
        #expect(try await store.read(["epoch-sub:a"]) == ["1000"], "an epoch never moves back")
        try await store.raise("epoch-sub:a", to: 2_000, until: time.now().addingTimeInterval(0.5))
        try await store.raise("epoch-sub:b", to: 5, until: time.now().addingTimeInterval(1))
        try await time.advance(1.2)
        #expect(try await store.read(["epoch-sub:a"]) == ["2000"], "a later epoch wins and keeps the longer lifetime")
        #expect(try await store.read(["epoch-sub:b"]) == [nil], "an epoch ends when it says")
        // A later writer's longer lifetime extends the key.
        try await store.raise("epoch-sub:c", to: 7, until: time.now().addingTimeInterval(1))
        try await store.raise("epoch-sub:c", to: 3, until: time.now().addingTimeInterval(60))
        try await time.advance(1.2)
        #expect(try await store.read(["epoch-sub:c"]) == ["7"])
        try await store.raise("epoch-sub:d", to: 9, until: time.now().addingTimeInterval(-1))
        #expect(try await store.read(["epoch-sub:d"]) == [nil], "an epoch already over stores nothing")
        // Parallel raises keep the largest value, whatever order they land in.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for value in (1...40).shuffled() {
                group.addTask { try await store.raise("epoch-sub:race", to: value, until: time.now().addingTimeInterval(60)) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.read(["epoch-sub:race"]) == ["40"])
    }

    static func parallelReplace(_ store: any StateStore) async throws {
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

/// Each backend under test, with the timeline its expiry follows.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    /// A real `redis-server` each test starts on a loopback port.
    case redis

    var testDescription: String { rawValue }

    func withStore(_ body: (any StateStore, Timeline) async throws -> Void) async throws {
        switch self {
        case .memory:
            let clock = TestClock()
            try await body(MemoryStateStore(clock: clock), .manual(clock))
        case .redis:
            let server = try await RedisServer.start()
            defer { server.stop() }
            let store = try RedisStateStore(
                endpoint: server.endpoint,
                prefix: "test:\(UUID().uuidString):",
                group: MultiThreadedEventLoopGroup.singleton
            )
            defer { store.close() }
            try await body(store, .real)
        }
    }
}

@Suite("State store conformance: every backend")
struct StateStoreConformanceTests {
    @Test("claim once", arguments: Backend.allCases)
    func claimOnce(_ backend: Backend) async throws {
        try await backend.withStore { try await StateStoreConformance.claimOnce($0, $1) }
    }

    @Test("parallel claims have one winner", arguments: Backend.allCases)
    func parallelClaims(_ backend: Backend) async throws {
        try await backend.withStore { store, _ in try await StateStoreConformance.parallelClaims(store) }
    }

    @Test("deny until", arguments: Backend.allCases)
    func denial(_ backend: Backend) async throws {
        try await backend.withStore { try await StateStoreConformance.denial($0, $1) }
    }

    @Test("counters", arguments: Backend.allCases)
    func counters(_ backend: Backend) async throws {
        try await backend.withStore { try await StateStoreConformance.counters($0, $1) }
    }

    @Test("decrements give attempts back", arguments: Backend.allCases)
    func decrements(_ backend: Backend) async throws {
        try await backend.withStore { try await StateStoreConformance.decrements($0, $1) }
    }

    @Test("records: insert, read, compare-and-set", arguments: Backend.allCases)
    func records(_ backend: Backend) async throws {
        try await backend.withStore { try await StateStoreConformance.records($0, $1) }
    }

    @Test("read: many keys of every kind in one step", arguments: Backend.allCases)
    func reads(_ backend: Backend) async throws {
        try await backend.withStore { try await StateStoreConformance.reads($0, $1) }
    }

    @Test("raise: an epoch and its lifetime only move forward", arguments: Backend.allCases)
    func raises(_ backend: Backend) async throws {
        try await backend.withStore { try await StateStoreConformance.raises($0, $1) }
    }

    @Test("parallel compare-and-set has one winner", arguments: Backend.allCases)
    func parallelReplace(_ backend: Backend) async throws {
        try await backend.withStore { store, _ in try await StateStoreConformance.parallelReplace(store) }
    }
}

@Suite("State store: memory")
struct MemoryStateStoreTests {
    @Test("expired entries are swept, so memory follows what is live")
    func sweep() async throws {
        let clock = TestClock()
        let store = MemoryStateStore(clock: clock)
        for index in 0..<1_000 { _ = try await store.claimOnce("code:\(index)", lifetime: 60) }
        clock.advance(61)
        for index in 0..<100 { _ = try await store.claimOnce("fresh:\(index)", lifetime: 60) }
        #expect(store.entryCount < 1_000)
    }

    @Test("When full, a new entry is refused, never an old one dropped; expired entries make room")
    func capacity() async throws {
        let clock = TestClock()
        let store = MemoryStateStore(clock: clock, capacity: 4)
        #expect(try await store.claimOnce("code:a", lifetime: 60))
        try await store.deny("sid:s", until: clock.now().addingTimeInterval(600))
        _ = try await store.increment("login-addr:x", window: 30)
        #expect(try await store.insert("device:ABCD", value: "pending", lifetime: 30))
        await #expect(throws: MemoryStateStore.Full.self) { try await store.claimOnce("code:b", lifetime: 60) }
        await #expect(throws: MemoryStateStore.Full.self) { try await store.deny("family:f", until: clock.now().addingTimeInterval(60)) }
        await #expect(throws: MemoryStateStore.Full.self) { try await store.increment("login-addr:y", window: 30) }
        // What is stored stays: the marker, the denial, the counter, the record.
        #expect(try await !store.claimOnce("code:a", lifetime: 60), "a redeemed code stays redeemed")
        #expect(await store.isDenied("sid:s"))
        #expect(try await store.increment("login-addr:x", window: 30) == 2, "an existing counter still counts")
        #expect(await store.replace("device:ABCD", expected: "pending", with: "approved"))
        // Once entries expire, there is room again.
        clock.advance(31)
        #expect(try await store.claimOnce("code:b", lifetime: 60))
        // Through the state layer the refusal fails closed.
        let grantState = ProtocolState(store: store)
        #expect(try await store.claimOnce("code:c", lifetime: 60), "the fourth entry fits")
        await #expect(throws: OAuthError.temporarilyUnavailable("the state store cannot be reached")) {
            try await withStateStore {
                try await grantState.codes.claim(codeID: "e", expiresAt: clock.now().addingTimeInterval(60), now: clock.now())
            }
        }
    }
}
