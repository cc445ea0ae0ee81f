/// Attempts counted in the shared store before they are made, so parallel attempts on any
/// number of instances cannot run past a limit; an attempt that proves legitimate is given
/// back, so only failures stay counted.
///
/// Each counter lives `window` seconds from its first attempt (a fixed window).
public struct Throttle: Sendable {
    let store: any StateStore
    let window: Int

    /// One counter and how many attempts it allows per window (the throttle's, unless the
    /// counter names a longer one).
    struct Counter: Sendable {
        var key: String
        var limit: Int
        var window: Int? = nil
    }

    /// Attempts reserved on some counters, to give back once the attempt succeeded.
    public struct Reservation: Sendable {
        let store: any StateStore
        let keys: [String]

        /// Takes the attempt back on every counter it was counted on.
        public func giveBack() async throws {
            // Each counter on its own, so one that fails does not keep the others counted.
            var failure: (any Error)?
            for key in keys {
                do { try await store.decrement(key) } catch { failure = failure ?? error }
            }
            if let failure { throw failure }
        }
    }

    /// Counts one attempt on each counter in order, stopping at the first that is over its
    /// limit: the reservation when all are within, `nil` when one is over. The counters
    /// after a refusing one are not raised, so an attempt refused for its address costs
    /// nobody else anything. The counted attempts stay counted either way.
    func reserve(_ counters: [Counter]) async throws -> Reservation? {
        var counted: [String] = []
        for counter in counters {
            counted.append(counter.key)
            if try await store.increment(counter.key, window: counter.window ?? window) > counter.limit { return nil }
        }
        return Reservation(store: store, keys: counted)
    }
}

/// Password sign-in attempts (RFC 6819 §4.4.3.6), counted so that nobody can aim them at
/// someone else:
///
/// 1. per client address first (`login-addr:<address>`): an address over its limit is
///    refused before anything else is counted or any hash is checked;
/// 2. then per username *and* address (`login-pair:<hash of the username>:<address>`):
///    guessing one user's password is limited per address, and failures from one address
///    lock that user out at that address only, never at the user's own.
///
/// A per-user lock across all addresses would let any stranger lock a user out; what it
/// would buy, a bound on guessing from many addresses, is left to the per-address limits
/// (docs/SECURITY.md). The username is hashed into the key, so a key's size does not
/// follow what a client sends.
public struct SignInThrottle: Sendable {
    /// Attempts one address may fail on one username per window.
    public static let attemptsPerUser = 10
    /// Attempts one address may fail per window, over all usernames.
    public static let attemptsPerAddress = 50
    public static let window = 300

    let store: any StateStore

    /// Second-factor codes one user may get wrong per window, over all addresses.
    public static let codesPerUser = 30
    /// … and per day, so the short window's budget does not renew all day long.
    public static let codesPerUserPerDay = 100
    public static let day = 86_400

    public func reserve(username: String, address: String) async throws -> Throttle.Reservation? {
        try await Throttle(store: store, window: Self.window).reserve(counters(username: username, address: address))
    }

    /// A second-factor code: the password's counters, then per user over all addresses, per
    /// window (`login-otp:<hash of the subject>`) and per day (`login-otp-day:<hash>`). Only
    /// someone who has the password (or that user's session, stepping up) reaches this step,
    /// so a per-user bound here cannot be aimed by strangers; it caps the guesses at six
    /// digits that many addresses together could make (docs/SECURITY.md).
    public func reserveSecondFactor(username: String, subject: String, address: String) async throws -> Throttle.Reservation? {
        try await Throttle(store: store, window: Self.window).reserve(
            counters(username: username, address: address) + [
                .init(key: StateNamespace.secondFactorByUser.key(StateKeyPart.digest(subject)), limit: Self.codesPerUser),
                .init(
                    key: StateNamespace.secondFactorByUserPerDay.key(StateKeyPart.digest(subject)),
                    limit: Self.codesPerUserPerDay,
                    window: Self.day
                ),
            ]
        )
    }

    private func counters(username: String, address: String) -> [Throttle.Counter] {
        [
            .init(key: StateNamespace.signInByAddress.key(address), limit: Self.attemptsPerAddress),
            .init(key: StateNamespace.signInByUserAndAddress.key(StateKeyPart.digest(username.lowercased()), address), limit: Self.attemptsPerUser),
        ]
    }
}

/// Guesses at device user codes (RFC 8628 §5.1), per client address first and then over
/// the whole code space: with N codes pending, one guess hits with probability N / 20⁸, so
/// the overall limit bounds an attacker with many addresses too. An address over its own
/// limit is refused before the overall counter moves, so one address adds at most
/// `lookupsPerAddress` to it per window and cannot spend the budget of everyone else.
///
/// Keys `device-lookup-addr:<address>` and `device-lookup-all`.
public struct UserCodeThrottle: Sendable {
    /// Lookups one address may make per window.
    public static let lookupsPerAddress = 10
    /// Lookups all addresses together may make per window.
    public static let lookupsPerWindow = 1_000
    public static let window = 300

    let store: any StateStore

    public func reserve(address: String) async throws -> Throttle.Reservation? {
        try await Throttle(store: store, window: Self.window).reserve([
            .init(key: StateNamespace.userCodeLookupByAddress.key(address), limit: Self.lookupsPerAddress),
            .init(key: StateNamespace.userCodeLookupOverall.key(), limit: Self.lookupsPerWindow),
        ])
    }
}

/// Device authorizations (RFC 8628 §3.1): each writes a pending record for the code's
/// lifetime, so an unthrottled client could fill the store. Counted per client address
/// first, then per client and address; nothing is given back, since every authorization
/// holds its record whatever happens next.
///
/// Keys `device-start-addr:<address>` and `device-start:<client id>:<address>`; client ids
/// are the config's own.
public struct DeviceStartThrottle: Sendable {
    /// Device authorizations one address may start per window, over all clients.
    public static let startsPerAddress = 30
    /// Device authorizations one address may start for one client per window.
    public static let startsPerClient = 10
    public static let window = 300

    let store: any StateStore

    /// Whether one more device authorization may start.
    public func admit(clientID: String, address: String) async throws -> Bool {
        try await Throttle(store: store, window: Self.window).reserve([
            .init(key: StateNamespace.deviceStartByAddress.key(address), limit: Self.startsPerAddress),
            .init(key: StateNamespace.deviceStartByClientAndAddress.key(clientID, address), limit: Self.startsPerClient),
        ]) != nil
    }
}

/// Client-secret guesses at the token and device authorization endpoints (RFC 6819
/// §4.4.4.5 asks for a limit on online guessing of client credentials), per client and
/// client address, so guessing one client's secret is slowed without locking it out at its
/// own address. Only checks that cost a hash, or present a secret that differs from the
/// one last verified, are counted; a client presenting its known secret touches no state.
///
/// Key `client-secret:<client id>:<address>`; client ids counted are the config's own.
public struct ClientSecretThrottle: Sendable {
    /// Failed client authentications one address may make for one client per window.
    public static let attemptsPerClient = 20
    public static let window = 300

    let store: any StateStore

    public func reserve(clientID: String, address: String) async throws -> Throttle.Reservation? {
        try await Throttle(store: store, window: Self.window).reserve([
            .init(key: StateNamespace.clientSecretByClientAndAddress.key(clientID, address), limit: Self.attemptsPerClient)
        ])
    }
}

/// Revocations per client (RFC 7009). Each one writes a denial that lives until its token
/// would have expired, so a client minting and revoking tokens in a loop could otherwise
/// fill the store for everyone; this bounds what one client can write. A revocation the
/// window refuses answers `temporarily_unavailable`, and the client tries again later.
///
/// Counted per client and subject (the user, or the client itself for client_credentials),
/// so one user of a public client revoking in a loop cannot block the others' revocations.
///
/// Key `revoke:<client id>:<SHA-256 of the subject, 128 bits, base64url>`; client ids and
/// subjects counted are those of tokens Permiso issued.
public struct RevocationThrottle: Sendable {
    /// Revocations per client and subject per window: far more than one user signs out.
    public static let perSubject = 300
    public static let window = 300

    let store: any StateStore

    /// Whether one more revocation may be written for `subject`'s tokens of `clientID`.
    public func admit(clientID: String, subject: String) async throws -> Bool {
        try await Throttle(store: store, window: Self.window).reserve([
            .init(key: StateNamespace.revocationByClient.key(clientID, StateKeyPart.digest(subject)), limit: Self.perSubject)
        ]) != nil
    }
}
