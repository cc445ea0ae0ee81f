public import Foundation

/// The second factor after a password: the code from the user's authenticator app
/// (RFC 6238), for the login form and the device login alike.
///
/// A wrong code counts in the sign-in throttle exactly as a wrong password does (same
/// counters, same limits: `SignInThrottle`), plus a per-user budget over all addresses,
/// since six digits are far easier to guess than a password. A right code is claimed for its user and step before it is
/// accepted (`OneTimeCodeUses`), so it works once, however many instances see it.
public struct TOTPSignIn: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// The methods a session signed in this way has (RFC 8176 §2): a password, a one-time
    /// password, hence more than one factor.
    public static let methods = ["pwd", "otp", "mfa"]

    /// The step `code` is `user`'s code of, if it is a current one and its first use; else
    /// why not. Throws `temporarily_unavailable` only when the store cannot be consulted: an
    /// attempt must never go uncounted, nor a code unclaimed.
    public func verify(
        user: UserConfig,
        code: String,
        address: String,
        now: Date
    ) async throws(OAuthError)
        -> Result<Int64, PasswordSignIn.Refusal>
    {
        guard let totp = user.totp else { return .failure(.incorrectCode) }
        let reservation = try await withStateStore {
            try await context.state.signIns.reserveSecondFactor(username: user.username, subject: user.subject, address: address)
        }
        guard let reservation else { return .failure(.throttled) }
        guard let step = TOTP.matchingStep(code, totp, now: now) else { return .failure(.incorrectCode) }
        let nowStep = TOTP.step(at: now, period: totp.period)
        let first = try await withStateStore {
            try await context.state.oneTimeCodes.claim(subject: user.subject, step: step, period: totp.period, nowStep: nowStep)
        }
        // A replayed code stays counted like a wrong one: it is what an observer would try.
        guard first else { return .failure(.incorrectCode) }
        try? await reservation.giveBack()
        return .success(step)
    }
}
