public import Foundation

/// Single use of authorization codes (RFC 6749 §4.1.2: a code is used once).
///
/// Key `code:<code jti>`, kept until the code would have expired anyway.
public struct CodeRedemptions: Sendable {
    let store: any StateStore

    /// Marks the code redeemed; `true` for the first redemption only, however many
    /// instances race for it.
    public func claim(codeID: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await store.claimOnce(StateNamespace.redeemedCode.key(codeID), lifetime: MarkerLifetime.until(expiresAt, now: now))
    }
}
