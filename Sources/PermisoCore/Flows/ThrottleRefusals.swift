internal import Synchronization

/// Client and address pairs the client-secret throttle refused, remembered by this process
/// for one throttle window, so that `ClientAuthenticator` refuses them on its cached path
/// too (where a right secret would otherwise pass without consulting the throttle).
///
/// In memory, per process: each instance learns of a refused pair from the first guess the
/// pair makes there, which the shared throttle refuses. Bounded: past `capacity` pairs,
/// expired ones are swept, and if every one is still live the oldest gives way, so an
/// attacker with many addresses cannot grow it without limit.
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
                if pairs.count >= capacity, let oldest = pairs.min(by: { $0.value < $1.value }) {
                    pairs.removeValue(forKey: oldest.key)
                }
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
