import Foundation
import PermisoCore
import Tracing

/// The state store as `permiso serve --tracing` sees it: a client span around each primitive,
/// named after the operation. Keys are never recorded: they are derived from codes and tokens.
struct TracedStateStore: StateStore {
    let inner: any StateStore
    /// `redis` or `memory`, as OpenTelemetry's `db.system.name`.
    let system: String

    private func traced<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let span = startSpan("permiso.state_store.\(operation)", ofKind: .client)
        defer { span.end() }
        span.attributes["db.system.name"] = system
        span.attributes["db.operation.name"] = operation
        do {
            return try await ServiceContext.withValue(span.context) { try await body() }
        } catch {
            // Never the error's text: a Redis error reply can repeat the command, key included.
            span.attributes["error.type"] = String(describing: type(of: error))
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    func claimOnce(_ key: String, lifetime: Int) async throws -> Bool {
        try await traced("claim_once") { try await inner.claimOnce(key, lifetime: lifetime) }
    }
    func deny(_ key: String, until: Date) async throws {
        try await traced("deny") { try await inner.deny(key, until: until) }
    }
    func isDenied(_ key: String) async throws -> Bool {
        try await traced("is_denied") { try await inner.isDenied(key) }
    }
    func increment(_ key: String, window: Int) async throws -> Int {
        try await traced("increment") { try await inner.increment(key, window: window) }
    }
    func decrement(_ key: String) async throws {
        try await traced("decrement") { try await inner.decrement(key) }
    }
    func insert(_ key: String, value: String, lifetime: Int) async throws -> Bool {
        try await traced("insert") { try await inner.insert(key, value: value, lifetime: lifetime) }
    }
    func value(_ key: String) async throws -> String? {
        try await traced("value") { try await inner.value(key) }
    }
    func replace(_ key: String, expected: String, with new: String) async throws -> Bool {
        try await traced("replace") { try await inner.replace(key, expected: expected, with: new) }
    }
    func read(_ keys: [String]) async throws -> [String?] {
        try await traced("read") { try await inner.read(keys) }
    }
    func raise(_ key: String, to value: Int, until: Date) async throws {
        try await traced("raise") { try await inner.raise(key, to: value, until: until) }
    }
}
