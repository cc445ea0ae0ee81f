public import Foundation

/// What passkey ceremonies keep between requests: each challenge used once (WebAuthn Level 3
/// §13.4.3), and each credential's signature counter (§6.1.1), so a cloned authenticator
/// shows itself when its counter falls behind.
///
/// Keys `webauthn-challenge:<digest of the challenge>` until the form carrying it expires,
/// and `webauthn-count:<digest of the credential id>` with the highest counter seen, kept
/// `counterLifetime` from its first use and then started again.
public struct PasskeyUses: Sendable {
    let store: any StateStore

    /// Two years: a counter forgotten sooner would let a clone through after a quiet spell.
    static let counterLifetime = 2 * 366 * 24 * 3600

    /// `true` the first time `challenge` is presented, however many instances race for it.
    public func claimChallenge(_ challenge: [UInt8], until expiresAt: Date, now: Date) async throws -> Bool {
        try await store.claimOnce(
            StateNamespace.usedPasskeyChallenge.key(StateKeyPart.digest(Data(challenge).base64URLEncodedString)),
            lifetime: MarkerLifetime.until(expiresAt, now: now)
        )
    }

    /// What recording a signature counter found.
    public enum CounterUpdate: Sendable, Equatable {
        /// Higher than any seen (or 0 where none was seen): recorded.
        case advanced
        /// Not higher than one seen before (§6.1.1): possibly a cloned authenticator.
        case regressed
        /// Other uses of the same credential kept winning the compare-and-set.
        case contended
    }

    /// Records `signCount` for the credential if it is higher than any seen. An authenticator
    /// that keeps no counter always reports 0 and is never refused for it, unless a non-zero
    /// counter was seen for that credential before. Compare-and-set, so two uses racing with
    /// one counter value cannot both pass.
    public func advanceCounter(credentialID: [UInt8], to signCount: UInt32) async throws -> CounterUpdate {
        let key = StateNamespace.passkeySignCount.key(StateKeyPart.digest(Data(credentialID).base64URLEncodedString))
        let new = String(signCount)
        for _ in 0..<3 {
            if let stored = try await store.value(key) {
                guard let old = UInt32(stored), signCount > old else { return .regressed }
                if try await store.replace(key, expected: stored, with: new) { return .advanced }
            } else {
                if signCount == 0 { return .advanced }
                if try await store.insert(key, value: new, lifetime: Self.counterLifetime) { return .advanced }
            }
        }
        return .contended
    }
}
