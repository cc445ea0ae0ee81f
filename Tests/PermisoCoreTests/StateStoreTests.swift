import Foundation
import Synchronization
import Testing

@testable import PermisoCore

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

/// The behaviour every `StateStore` backend must have. The Redis backend will run the same
/// suite; each test takes a store and the clock that drives its expiry.
enum StateStoreConformance {
    static func claimOnce(_ store: some StateStore, _ clock: TestClock) async throws {
        #expect(try await store.claimOnce("code:a", lifetime: 60))
        #expect(try await !store.claimOnce("code:a", lifetime: 60))
        #expect(try await store.claimOnce("code:b", lifetime: 60))
        clock.advance(61)
        // After its lifetime the key is gone (the code it guarded has expired by then too).
        #expect(try await store.claimOnce("code:a", lifetime: 60))
    }

    static func parallelClaims(_ store: some StateStore) async throws {
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 { group.addTask { try await store.claimOnce("code:race", lifetime: 60) } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
    }

    static func denial(_ store: some StateStore, _ clock: TestClock) async throws {
        #expect(try await !store.isDenied("family:f"))
        try await store.deny("family:f", until: clock.now().addingTimeInterval(100))
        #expect(try await store.isDenied("family:f"))
        try await store.deny("family:f", until: clock.now().addingTimeInterval(10))
        clock.advance(50)
        #expect(try await store.isDenied("family:f"), "a shorter second denial must not shorten the first")
        clock.advance(51)
        #expect(try await !store.isDenied("family:f"))
    }

    static func counters(_ store: some StateStore, _ clock: TestClock) async throws {
        #expect(try await store.increment("login:alice", window: 300) == 1)
        #expect(try await store.increment("login:alice", window: 300) == 2)
        #expect(try await store.increment("login:bob", window: 300) == 1)
        clock.advance(301)
        #expect(try await store.increment("login:alice", window: 300) == 1)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 { group.addTask { try await store.increment("login:race", window: 300) } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == Array(1...50), "parallel increments must not be lost")
    }
}

@Suite("State store: memory")
struct MemoryStateStoreTests {
    @Test("claim once")
    func claimOnce() async throws {
        let clock = TestClock()
        try await StateStoreConformance.claimOnce(MemoryStateStore(clock: clock), clock)
    }

    @Test("parallel claims have one winner")
    func parallelClaims() async throws {
        try await StateStoreConformance.parallelClaims(MemoryStateStore(clock: TestClock()))
    }

    @Test("deny until")
    func denial() async throws {
        let clock = TestClock()
        try await StateStoreConformance.denial(MemoryStateStore(clock: clock), clock)
    }

    @Test("counters")
    func counters() async throws {
        let clock = TestClock()
        try await StateStoreConformance.counters(MemoryStateStore(clock: clock), clock)
    }

    @Test("expired entries are swept, so memory follows what is live")
    func sweep() async throws {
        let clock = TestClock()
        let store = MemoryStateStore(clock: clock)
        for index in 0..<1_000 { _ = await store.claimOnce("code:\(index)", lifetime: 60) }
        clock.advance(61)
        for index in 0..<100 { _ = await store.claimOnce("fresh:\(index)", lifetime: 60) }
        #expect(await store.entryCount < 1_000)
    }
}
