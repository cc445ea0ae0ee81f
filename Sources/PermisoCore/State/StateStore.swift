public import Foundation

/// The only state Permiso keeps: small, ephemeral, and each entry gone once the thing it
/// guards would have expired anyway (docs/ARCHITECTURE.md "The state operations").
///
/// Everything else travels in sealed values. These few guarantees cannot: a code used once,
/// a rotated refresh token's family revoked, a logged-out session refused, login attempts
/// counted across instances. One instance can use `MemoryStateStore`; many share Redis.
/// Every backend passes the same conformance suite. When the store is unreachable an
/// operation throws and the endpoint answers `temporarily_unavailable`: it fails closed.
public protocol StateStore: Sendable {
    /// Records `key` for `lifetime` seconds; `true` for the first caller only (Redis `SET NX EX`).
    func claimOnce(_ key: String, lifetime: Int) async throws -> Bool

    /// Refuses `key` until `until` (a revoked refresh family, a logged-out session id).
    func deny(_ key: String, until: Date) async throws

    /// Whether `key` is refused now.
    func isDenied(_ key: String) async throws -> Bool

    /// Adds one to the counter `key` and returns the new count; the counter starts at zero
    /// and disappears `window` seconds after its first increment. Atomic across callers.
    func increment(_ key: String, window: Int) async throws -> Int

    /// Takes back one increment of the counter `key`, keeping its window; nothing when the
    /// counter is gone. Throttles count an attempt before making it (so parallel attempts
    /// cannot run past the limit) and give it back once it proved legitimate, so only
    /// failures stay counted.
    func decrement(_ key: String) async throws

    /// Stores `value` under `key` for `lifetime` seconds unless `key` is already there;
    /// `true` when this caller stored it (Redis `SET NX EX`). Device-grant records.
    func insert(_ key: String, value: String, lifetime: Int) async throws -> Bool

    /// The value stored under `key`, or `nil` when there is none or it has expired.
    func value(_ key: String) async throws -> String?

    /// Replaces the value under `key` with `new` only while it is still `expected`, keeping
    /// its expiry; `true` when replaced. Compare-and-set, so two approvals of one device
    /// grant, or an approval racing a denial, cannot both win.
    func replace(_ key: String, expected: String, with new: String) async throws -> Bool

    /// Reads several keys in one step (Redis `MGET`: one command, one round trip): a stored
    /// value reads as itself, a live claim or denial as `"1"`, a counter as its count, and a
    /// key that is absent or expired as `nil`. Every token presented to Permiso asks all its
    /// revocation questions this way (`Revocations.refusal(for:)`).
    func read(_ keys: [String]) async throws -> [String?]

    /// Stores the larger of `value` and what `key` holds, and keeps the key at least until
    /// `until`: neither the value nor the lifetime ever moves back, whatever order two
    /// writers arrive in. Operator revocation epochs (`Revocations.revokeAll`).
    func raise(_ key: String, to value: Int, until: Date) async throws
}

/// Runs state-store operations for a protocol step: OAuth errors the step throws pass
/// through, and a store failure becomes `temporarily_unavailable`, so every grant reports an
/// unreachable store the same way (docs/ARCHITECTURE.md "Failing closed").
public func withStateStore<T>(_ body: () async throws -> T) async throws(OAuthError) -> T {
    do {
        return try await body()
    } catch let error as OAuthError {
        throw error
    } catch {
        throw .temporarilyUnavailable("the state store cannot be reached")
    }
}
