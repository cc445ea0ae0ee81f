/// The person's side of the device grant: finding the pending request by its user code,
/// then approving or denying it.
///
/// Every lookup is counted before it is made (`UserCodeThrottle`): parallel guesses cannot
/// run past the limits, and since the counters are shared, neither can guesses spread over
/// instances. A lookup that finds its request is given back, so only wrong codes stay counted.
public struct DeviceVerification: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// A pending request found by its user code: the record as stored, which the decision
    /// must still match.
    public struct Pending: Sendable {
        public var userCode: String
        public var client: ClientConfig
        var stored: DeviceGrants.Stored
        public var record: DeviceGrantRecord { stored.record }
    }

    public enum LookupProblem: Error, Equatable, Sendable {
        /// Not eight letters of the alphabet: a typo, counted nowhere.
        case malformed
        /// No pending request has this code (wrong, expired, or already decided).
        case unknown
        case throttled
    }

    public func lookup(_ typed: String, address: String) async throws(OAuthError) -> Result<Pending, LookupProblem> {
        guard let userCode = UserCode.normalize(typed) else { return .failure(.malformed) }
        return try await withStateStore {
            guard let reservation = try await context.state.userCodes.reserve(address: address) else { return .failure(.throttled) }
            guard let found = try await pending(userCode) else { return .failure(.unknown) }
            // A right code is given back: only wrong ones stay counted.
            try await reservation.giveBack()
            return .success(found)
        }
    }

    /// The pending request of a code already looked up (the consent form carries the code),
    /// read again because another instance may have decided it meanwhile.
    public func pending(_ userCode: String) async throws -> Pending? {
        guard let stored = try await context.state.deviceGrants.find(userCode: userCode), stored.record.status == .pending,
            let client = context.config.client(id: stored.record.clientID)
        else { return nil }
        return Pending(userCode: userCode, client: client, stored: stored)
    }

    /// Records the person's decision; `false` when the request was decided (or expired) meanwhile.
    public func decide(_ pending: Pending, approve: Bool, session: LoginSession) async throws(OAuthError) -> Bool {
        var decided = pending.record
        if approve {
            decided.status = .approved
            decided.subject = session.subject
            decided.authTime = session.authTime
            decided.sessionID = session.sessionID
            decided.amr = session.amr
        } else {
            decided.status = .denied
        }
        return try await withStateStore {
            try await context.state.deviceGrants.decide(userCode: pending.userCode, from: pending.stored, to: decided)
        }
    }
}
