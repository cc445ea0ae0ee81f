public import Foundation

/// The embedded state store: correct for one instance, lost on restart.
///
/// An actor, so each operation is atomic the way Redis's single commands are. Expired
/// entries are dropped as they are met and swept every `sweepInterval` writes, so memory
/// stays proportional to what is live.
public actor MemoryStateStore: StateStore {
    private var claims: [String: Date] = [:]
    private var denials: [String: Date] = [:]
    private var counters: [String: (count: Int, expires: Date)] = [:]
    private var writesSinceSweep = 0
    private let sweepInterval = 1_024
    private let clock: any WallClock

    public init(clock: any WallClock = SystemWallClock()) {
        self.clock = clock
    }

    public func claimOnce(_ key: String, lifetime: Int) -> Bool {
        let now = clock.now()
        if let expires = claims[key], expires > now { return false }
        claims[key] = now.addingTimeInterval(TimeInterval(lifetime))
        noteWrite(now)
        return true
    }

    public func deny(_ key: String, until: Date) {
        // A second denial never shortens the first.
        denials[key] = max(until, denials[key] ?? until)
        noteWrite(clock.now())
    }

    public func isDenied(_ key: String) -> Bool {
        guard let until = denials[key] else { return false }
        if until > clock.now() { return true }
        denials[key] = nil
        return false
    }

    public func increment(_ key: String, window: Int) -> Int {
        let now = clock.now()
        var counter: (count: Int, expires: Date) = (0, now.addingTimeInterval(TimeInterval(window)))
        if let existing = counters[key], existing.expires > now { counter = existing }
        counter.count += 1
        counters[key] = counter
        noteWrite(now)
        return counter.count
    }

    /// How many entries are held, expired or not; for tests of the sweep.
    public var entryCount: Int { claims.count + denials.count + counters.count }

    private func noteWrite(_ now: Date) {
        writesSinceSweep += 1
        guard writesSinceSweep >= sweepInterval else { return }
        writesSinceSweep = 0
        claims = claims.filter { $0.value > now }
        denials = denials.filter { $0.value > now }
        counters = counters.filter { $0.value.expires > now }
    }
}
