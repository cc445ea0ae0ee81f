public import Foundation
public import PermisoCore
public import Synchronization

/// A memory store that can be switched off and on, as Redis going away and coming back would.
public final class SwitchableStore: StateStore {
    public struct Down: Error {}

    /// While `true`, every operation throws.
    public let down = Atomic<Bool>(false)
    private let inner: MemoryStateStore

    public init(clock: any WallClock = SystemWallClock()) {
        inner = MemoryStateStore(clock: clock)
    }

    private func check() throws { if down.load(ordering: .relaxed) { throw Down() } }

    public func claimOnce(_ key: String, lifetime: Int) async throws -> Bool {
        try check()
        return try await inner.claimOnce(key, lifetime: lifetime)
    }
    public func deny(_ key: String, until: Date) async throws {
        try check()
        try await inner.deny(key, until: until)
    }
    public func isDenied(_ key: String) async throws -> Bool {
        try check()
        return await inner.isDenied(key)
    }
    public func increment(_ key: String, window: Int) async throws -> Int {
        try check()
        return try await inner.increment(key, window: window)
    }
    public func decrement(_ key: String) async throws {
        try check()
        await inner.decrement(key)
    }
    public func insert(_ key: String, value: String, lifetime: Int) async throws -> Bool {
        try check()
        return try await inner.insert(key, value: value, lifetime: lifetime)
    }
    public func value(_ key: String) async throws -> String? {
        try check()
        return await inner.value(key)
    }
    public func replace(_ key: String, expected: String, with new: String) async throws -> Bool {
        try check()
        return await inner.replace(key, expected: expected, with: new)
    }
    public func read(_ keys: [String]) async throws -> [String?] {
        try check()
        return await inner.read(keys)
    }
    public func raise(_ key: String, to value: Int, until: Date) async throws {
        try check()
        try await inner.raise(key, to: value, until: until)
    }
}
