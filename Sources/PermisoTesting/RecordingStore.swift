public import Foundation
public import PermisoCore
import Synchronization

/// A memory store that records every operation it is asked for, so a test can pin the keys
/// and lifetimes each named state operation uses.
public final class RecordingStore: StateStore {
    /// One operation: its name, the key, and its lifetime in seconds (`nil` where it has none).
    public struct Call: Equatable, Sendable, CustomStringConvertible {
        public var operation: String
        public var key: String
        public var lifetime: Int?

        public init(_ operation: String, _ key: String, _ lifetime: Int? = nil) {
            self.operation = operation
            self.key = key
            self.lifetime = lifetime
        }

        public var description: String { "\(operation) \(key)" + (lifetime.map { " \($0)s" } ?? "") }
    }

    private let inner: MemoryStateStore
    private let clock: any WallClock
    private let log = Mutex<[Call]>([])

    public init(clock: any WallClock = SystemWallClock()) {
        self.clock = clock
        inner = MemoryStateStore(clock: clock)
    }

    /// The calls so far, and forgets them.
    public func takeCalls() -> [Call] {
        log.withLock { calls in
            defer { calls = [] }
            return calls
        }
    }

    private func note(_ operation: String, _ key: String, _ lifetime: Int? = nil) {
        log.withLock { $0.append(Call(operation, key, lifetime)) }
    }

    public func claimOnce(_ key: String, lifetime: Int) async throws -> Bool {
        note("claimOnce", key, lifetime)
        return try await inner.claimOnce(key, lifetime: lifetime)
    }
    public func deny(_ key: String, until: Date) async throws {
        note("deny", key, Int(until.timeIntervalSince(clock.now()).rounded()))
        try await inner.deny(key, until: until)
    }
    public func isDenied(_ key: String) async throws -> Bool {
        note("isDenied", key)
        return await inner.isDenied(key)
    }
    public func increment(_ key: String, window: Int) async throws -> Int {
        note("increment", key, window)
        return try await inner.increment(key, window: window)
    }
    public func decrement(_ key: String) async throws {
        note("decrement", key)
        await inner.decrement(key)
    }
    public func insert(_ key: String, value: String, lifetime: Int) async throws -> Bool {
        note("insert", key, lifetime)
        return try await inner.insert(key, value: value, lifetime: lifetime)
    }
    public func value(_ key: String) async throws -> String? {
        note("value", key)
        return await inner.value(key)
    }
    public func replace(_ key: String, expected: String, with new: String) async throws -> Bool {
        note("replace", key)
        return await inner.replace(key, expected: expected, with: new)
    }
    public func read(_ keys: [String]) async throws -> [String?] {
        note("read", keys.joined(separator: " "))
        return await inner.read(keys)
    }
    public func raise(_ key: String, to value: Int, until: Date) async throws {
        note("raise", key, Int(until.timeIntervalSince(clock.now()).rounded()))
        try await inner.raise(key, to: value, until: until)
    }
}
