import Dispatch
import Foundation
import PermisoCore

/// The state store as `--metrics-address` sees it: each primitive's latency and failures,
/// recorded around the real store.
struct MeteredStateStore: StateStore {
    let inner: any StateStore

    private func measure<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let result = try await body()
            ServiceMetrics.stateStore(operation, nanoseconds: DispatchTime.now().uptimeNanoseconds - started, failed: false)
            return result
        } catch {
            ServiceMetrics.stateStore(operation, nanoseconds: DispatchTime.now().uptimeNanoseconds - started, failed: true)
            throw error
        }
    }

    func claimOnce(_ key: String, lifetime: Int) async throws -> Bool {
        try await measure("claim_once") { try await inner.claimOnce(key, lifetime: lifetime) }
    }
    func deny(_ key: String, until: Date) async throws {
        try await measure("deny") { try await inner.deny(key, until: until) }
    }
    func isDenied(_ key: String) async throws -> Bool {
        try await measure("is_denied") { try await inner.isDenied(key) }
    }
    func increment(_ key: String, window: Int) async throws -> Int {
        try await measure("increment") { try await inner.increment(key, window: window) }
    }
    func decrement(_ key: String) async throws {
        try await measure("decrement") { try await inner.decrement(key) }
    }
    func insert(_ key: String, value: String, lifetime: Int) async throws -> Bool {
        try await measure("insert") { try await inner.insert(key, value: value, lifetime: lifetime) }
    }
    func value(_ key: String) async throws -> String? {
        try await measure("value") { try await inner.value(key) }
    }
    func replace(_ key: String, expected: String, with new: String) async throws -> Bool {
        try await measure("replace") { try await inner.replace(key, expected: expected, with: new) }
    }
    func read(_ keys: [String]) async throws -> [String?] {
        try await measure("read") { try await inner.read(keys) }
    }
    func raise(_ key: String, to value: Int, until: Date) async throws {
        try await measure("raise") { try await inner.raise(key, to: value, until: until) }
    }
}
