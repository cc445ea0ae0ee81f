public import Foundation
public import PermisoCore

/// A state store that cannot be reached: every operation throws, as a Redis that is gone would.
public struct UnreachableStore: StateStore {
    public struct Down: Error {}

    public init() {}

    public func claimOnce(_ key: String, lifetime: Int) async throws -> Bool { throw Down() }
    public func deny(_ key: String, until: Date) async throws { throw Down() }
    public func isDenied(_ key: String) async throws -> Bool { throw Down() }
    public func increment(_ key: String, window: Int) async throws -> Int { throw Down() }
    public func decrement(_ key: String) async throws { throw Down() }
    public func insert(_ key: String, value: String, lifetime: Int) async throws -> Bool { throw Down() }
    public func value(_ key: String) async throws -> String? { throw Down() }
    public func replace(_ key: String, expected: String, with new: String) async throws -> Bool { throw Down() }
    public func read(_ keys: [String]) async throws -> [String?] { throw Down() }
    public func raise(_ key: String, to value: Int, until: Date) async throws { throw Down() }
}
