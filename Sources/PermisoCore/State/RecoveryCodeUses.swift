/// Single use of recovery codes: once a code signed someone in, it never does again.
///
/// Key `recovery:<digest of the subject>:<digest of the code's hash>`, kept ten years — as
/// good as for ever for a code, while still an expiry like every other key. A store that
/// loses its data forgets used codes: docs/SECURITY.md says to issue new ones then.
public struct RecoveryCodeUses: Sendable {
    let store: any StateStore

    static let lifetime = 10 * 366 * 24 * 3600

    /// `true` the first time only, however many instances race for it.
    public func claim(subject: String, hash: String) async throws -> Bool {
        try await store.claimOnce(
            StateNamespace.usedRecoveryCode.key(StateKeyPart.digest(subject), StateKeyPart.digest(hash)),
            lifetime: Self.lifetime
        )
    }
}
