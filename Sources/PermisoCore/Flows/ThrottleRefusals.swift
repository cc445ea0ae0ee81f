internal import Synchronization

/// Client and address pairs the client-secret throttle refused, remembered by this process
/// for one throttle window, so that `ClientAuthenticator` refuses them on its cached path
/// too (where a right secret would otherwise pass without consulting the throttle).
///
/// In memory, per process: each instance learns of a refused pair from the first guess the
/// pair makes there, which the shared throttle refuses, so with N instances an address gets
/// up to N - 1 more guesses per window. Bounded: at `capacity` pairs the expired ones are
/// swept, and if half or more are still live all are forgotten. Both are linear but happen
/// at most once per `capacity / 2` refusals, so an attacker with many addresses can neither
/// grow the table nor make each refusal cost a scan under the lock that every client
/// authentication takes. A forgotten pair is remembered again at its next guess, which the
/// store still refuses; so a clear, which takes `capacity / 2` fresh refusals, gives each
/// forgotten address one more guess.
final class ThrottleRefusals: Sendable {
    private let lifetime: Duration
    private let capacity: Int
    private let until = Mutex<[PairKey: ContinuousClock.Instant]>([:])

    private struct PairKey: Hashable {
        var client: String
        var address: String
    }

    init(lifetime: Duration, capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func record(_ client: String, _ address: String, now: ContinuousClock.Instant = .now) {
        until.withLock { pairs in
            if pairs.count >= capacity {
                pairs = pairs.filter { $0.value > now }
                if pairs.count >= capacity / 2 { pairs.removeAll() }  // none or few had expired
            }
            pairs[PairKey(client: client, address: address)] = now + lifetime
        }
    }

    func refuses(_ client: String, _ address: String, now: ContinuousClock.Instant = .now) -> Bool {
        until.withLock { pairs in
            guard !pairs.isEmpty else { return false }  // the usual case, and the hot path's
            let key = PairKey(client: client, address: address)
            guard let end = pairs[key] else { return false }
            if end > now { return true }
            pairs.removeValue(forKey: key)
            return false
        }
    }
}
