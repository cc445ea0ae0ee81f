public import Foundation

/// Signing in with a username and password, for the login form and the device login.
///
/// A refusal says "incorrect" without telling whether the username exists, and an unknown
/// username costs a hash check like a known one (`decoyHash(for:)`: the scheme and cost most
/// of the deployment's users have), so neither the answer nor its timing names the users
/// (RFC 6819 §4.4.3.6). Attempts are counted before the
/// password is checked (`SignInThrottle`), so parallel guesses on many instances share one
/// budget; a successful attempt is given back, so only failures stay counted.
public struct PasswordSignIn: Sendable {
    let context: FlowContext
    let verifier: any PasswordVerifier
    /// What an unknown username is checked against; see `decoyHash(for:)`.
    let decoyHash: String

    public init(_ context: FlowContext, verifier: any PasswordVerifier, decoyHash: String) {
        self.context = context
        self.verifier = verifier
        self.decoyHash = decoyHash
    }

    /// A hash to spend the same time on when the username is unknown: a random password
    /// under the parameters (scheme and cost) that most of `users`' hashes have (a tie is
    /// broken by the parameters' text, so the choice is stable), so an unknown name takes as
    /// long as most known ones. Made once per load; with no users, bcrypt at
    /// `permiso hash-password`'s default cost.
    public static func decoyHash(for users: [UserConfig]) -> String {
        let byParameters = Dictionary(grouping: users.map(\.passwordHash), by: PasswordHash.parameters(of:))
        let common = byParameters.max { a, b in
            a.value.count != b.value.count ? a.value.count < b.value.count : a.key < b.key
        }
        if let like = common?.value.first, let decoy = PasswordHash.decoy(like: like) { return decoy }
        // Never an empty decoy, which would refuse unknown names at once: a fixed cost-12 hash
        // (of a random password nobody knows) if libxcrypt cannot make a fresh one.
        return (try? PasswordHash.make(RandomToken.make())) ?? Self.fallbackDecoy
    }

    /// bcrypt at cost 12 of a random password that was never kept.
    static let fallbackDecoy = "$2b$12$5hCqybr6UsHf8nt6XX/FP.4dJhqNCw3j4NB2iPWNEvO4OyhfQbZi."

    /// Why a sign-in was refused; `message` is what the form shows.
    public enum Refusal: Error, Equatable, Sendable {
        case throttled
        case incorrect
        /// The second factor's code: wrong, outside the window, or already used.
        case incorrectCode
        /// A recovery code that is not the user's, or was used before.
        case incorrectRecoveryCode

        public var message: String {
            switch self {
            case .throttled: "Too many sign-in attempts. Wait a few minutes and try again."
            case .incorrect: "The username or password is incorrect."
            case .incorrectCode: "The code is incorrect or was already used. Enter the current code from your authenticator app."
            case .incorrectRecoveryCode: "The recovery code is incorrect or was already used."
            }
        }
    }

    /// The user whose password this is, or why not. Throws `temporarily_unavailable` only
    /// when the throttle cannot be consulted: guessing must not go uncounted.
    public func verify(username: String, password: String, address: String) async throws(OAuthError) -> Result<UserConfig, Refusal> {
        let reservation = try await withStateStore { try await context.state.signIns.reserve(username: username, address: address) }
        guard let reservation else { return .failure(.throttled) }
        let user = context.config.user(username: username)
        let valid = await verifier.verify(password, against: user?.passwordHash ?? decoyHash) && user != nil
        guard let user, valid else { return .failure(.incorrect) }
        // Only failures stay counted: a user signing in to many apps is not throttled.
        // (If the store fails here, the attempt merely stays counted.)
        try? await reservation.giveBack()
        return .success(user)
    }
}

extension LoginSession {
    /// A sign-in for `user` at `now` with `methods` (RFC 8176 `amr` values). When the browser's
    /// session was already this user's (a step-up, `prompt=login`, `max_age`), it is the same
    /// session signed in again: its `sid`, consents and recorded clients carry on, so the
    /// clients that hold that `sid` are told when it ends (Back-Channel Logout 1.0 §2.1: one
    /// `sid` per session). Another user's session is replaced by a new one.
    public static func start(
        _ user: UserConfig,
        methods: [String],
        now: Date,
        previous: LoginSession?
    ) -> LoginSession {
        guard let previous, previous.subject == user.subject else {
            return LoginSession(subject: user.subject, authTime: now, sessionID: RandomToken.make(), amr: methods)
        }
        return LoginSession(
            subject: user.subject,
            authTime: now,
            sessionID: previous.sessionID,
            amr: methods,
            consents: previous.consents,
            recordedClients: previous.recordedClients
        )
    }
}
