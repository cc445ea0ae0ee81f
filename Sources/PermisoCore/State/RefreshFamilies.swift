public import Foundation

/// Refresh-token rotation (RFC 9700 §4.14.2): every token of a family after the first is
/// one generation, each usable once; a generation used twice means a copy exists, and the
/// whole family is revoked.
///
/// Keys: `refresh:<family>:<generation>` for a used generation and `family:<family>` for a
/// revoked family, each kept for the refresh-token lifetime, after which every token of the
/// family has expired anyway. A family is named by the `jti` of the code (or device code)
/// that started it, so a replayed code can revoke what it was exchanged for.
public struct RefreshFamilies: Sendable {
    let store: any StateStore

    /// Marks `generation` of `family` used; `true` for the first use only.
    public func rotate(family: String, generation: Int, lifetimes: Lifetimes) async throws -> Bool {
        try await store.claimOnce(
            StateNamespace.refreshGeneration.key(family, String(generation)),
            lifetime: lifetimes.refreshToken
        )
    }

    /// Refuses every token of `family` from now on.
    public func revoke(family: String, lifetimes: Lifetimes, now: Date) async throws {
        try await store.deny(
            StateNamespace.revokedFamily.key(family),
            until: now.addingTimeInterval(TimeInterval(lifetimes.refreshToken))
        )
    }

    public func isRevoked(family: String) async throws -> Bool {
        try await store.isDenied(StateNamespace.revokedFamily.key(family))
    }
}
