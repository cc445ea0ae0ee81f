/// Attempts counted in the shared store before they are made, so parallel attempts on any
/// number of instances cannot run past a limit; an attempt that proves legitimate is given
/// back, so only failures stay counted.
///
/// Each counter lives `window` seconds from its first attempt (a fixed window).
public struct Throttle: Sendable {
    let store: any StateStore
    let window: Int

    /// One counter and how many attempts it allows per window.
    struct Counter: Sendable {
        var key: String
        var limit: Int
    }

    /// Attempts reserved on some counters, to give back once the attempt succeeded.
    public struct Reservation: Sendable {
        let store: any StateStore
        let keys: [String]

        /// Takes the attempt back on every counter it was counted on.
        public func giveBack() async throws {
            for key in keys { try await store.decrement(key) }
        }
    }

    /// Counts one attempt on every counter, then answers whether all are within their limits:
    /// the reservation when they are, `nil` when any is over (the attempt stays counted).
    func reserve(_ counters: [Counter]) async throws -> Reservation? {
        var within = true
        for counter in counters where try await store.increment(counter.key, window: window) > counter.limit {
            within = false
        }
        return within ? Reservation(store: store, keys: counters.map(\.key)) : nil
    }
}

/// Password sign-in attempts, per username and per client address, against online guessing
/// (RFC 6819 §4.4.3.6).
///
/// Keys `login-user:<username, lowercased>` and `login-addr:<address>`.
public struct SignInThrottle: Sendable {
    /// Attempts one username may fail per window.
    public static let attemptsPerUser = 10
    /// Attempts one address may fail per window, over all usernames.
    public static let attemptsPerAddress = 50
    public static let window = 300

    let store: any StateStore

    public func reserve(username: String, address: String) async throws -> Throttle.Reservation? {
        try await Throttle(store: store, window: Self.window).reserve([
            .init(key: StateNamespace.signInByUser.key(username.lowercased()), limit: Self.attemptsPerUser),
            .init(key: StateNamespace.signInByAddress.key(address), limit: Self.attemptsPerAddress),
        ])
    }
}

/// Guesses at device user codes (RFC 8628 §5.1), per client address and over the whole code
/// space: with N codes pending, one guess hits with probability N / 20⁸, so the overall
/// limit bounds an attacker with many addresses too.
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
