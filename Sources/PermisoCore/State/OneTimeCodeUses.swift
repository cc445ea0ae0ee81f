/// Single use of TOTP codes: a code is accepted once per user and time step (RFC 6238 §5.2),
/// so one seen over a shoulder or phished cannot be replayed, on any instance.
///
/// Key `totp:<digest of the subject>:<step>`, kept until that step is out of the window
/// (`TOTP.window` steps after it), plus one more period for instances whose clocks differ.
public struct OneTimeCodeUses: Sendable {
    let store: any StateStore

    /// `true` the first time only, however many instances race for it.
    public func claim(subject: String, step: Int64, period: Int, nowStep: Int64) async throws -> Bool {
        let remaining = Int(step - nowStep + Int64(TOTP.window) + 2) * period
        return try await store.claimOnce(
            StateNamespace.usedOneTimeCode.key(StateKeyPart.digest(subject), String(step)),
            lifetime: max(1, remaining) + 1
        )
    }
}
