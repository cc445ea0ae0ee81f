import Foundation

/// The person's side of the device grant: finding the pending request by its user code,
/// then approving or denying it.
///
/// Every lookup is counted before it is made, per client address and across the whole
/// code space, with the store's atomic counter: parallel guesses cannot run past the
/// limits, and since the counters are shared, neither can guesses spread over instances.
/// A lookup that finds its request is given back, so only wrong codes stay counted.
public struct DeviceVerification: Sendable {
    /// Lookups one address may make per window.
    public static let lookupsPerAddress = 10
    /// Lookups all addresses together may make per window: with N codes pending, a guess
    /// hits with probability N / 20⁸, so this bounds an attacker with many addresses too.
    public static let lookupsPerWindow = 1_000
    public static let window = 300

    public var deployment: Deployment
    public var store: any StateStore

    public init(deployment: Deployment, store: any StateStore) {
        self.deployment = deployment
        self.store = store
    }

    /// A pending request found by its user code: the record and its stored form, which the
    /// decision must still match.
    public struct Pending: Sendable {
        public var userCode: String
        public var record: DeviceGrantRecord
        public var client: ClientConfig
        var stored: String
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
            let counters = ["device-lookup-addr:\(address)", "device-lookup-all"]
            let byAddress = try await store.increment(counters[0], window: Self.window)
            let overall = try await store.increment(counters[1], window: Self.window)
            guard byAddress <= Self.lookupsPerAddress, overall <= Self.lookupsPerWindow else { return .failure(.throttled) }
            guard let found = try await pending(userCode) else { return .failure(.unknown) }
            // A right code is given back: only wrong ones stay counted.
            for counter in counters { try await store.decrement(counter) }
            return .success(found)
        }
    }

    /// The pending request of a code already looked up (the consent form carries the code),
    /// read again because another instance may have decided it meanwhile.
    public func pending(_ userCode: String) async throws -> Pending? {
        guard let stored = try await store.value(DeviceGrantRecord.key(userCode)),
            let record = DeviceGrantRecord.decode(stored), record.status == .pending,
            let client = deployment.config.client(id: record.clientID)
        else { return nil }
        return Pending(userCode: userCode, record: record, client: client, stored: stored)
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
            try await store.replace(DeviceGrantRecord.key(pending.userCode), expected: pending.stored, with: decided.encoded())
        }
    }
}
