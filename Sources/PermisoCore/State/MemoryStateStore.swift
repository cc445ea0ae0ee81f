public import Foundation

/// The embedded state store: correct for one instance, lost on restart.
///
/// An actor, so each operation is atomic the way Redis's single commands are. Expired
/// entries are dropped as they are met and swept every `sweepInterval` writes, so memory
/// stays proportional to what is live.
public actor MemoryStateStore: StateStore {
    private struct Entry {
        var value: String
        var expires: Date
    }

    private var values: [String: Entry] = [:]
    private var denials: [String: Date] = [:]
    private var counters: [String: (count: Int, expires: Date)] = [:]
    private var writesSinceSweep = 0
    private let sweepInterval = 1_024
    private let clock: any WallClock

    public init(clock: any WallClock = SystemWallClock()) {
        self.clock = clock
    }

    public func claimOnce(_ key: String, lifetime: Int) -> Bool {
        insert(key, value: "1", lifetime: lifetime)
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

    public func decrement(_ key: String) {
        guard var counter = counters[key], counter.expires > clock.now(), counter.count > 0 else { return }
        counter.count -= 1
        counters[key] = counter
    }

    public func insert(_ key: String, value: String, lifetime: Int) -> Bool {
        let now = clock.now()
        if live(key, now) != nil { return false }
        values[key] = Entry(value: value, expires: now.addingTimeInterval(TimeInterval(lifetime)))
        noteWrite(now)
        return true
    }

    public func value(_ key: String) -> String? {
        live(key, clock.now())?.value
    }

    public func replace(_ key: String, expected: String, with new: String) -> Bool {
        guard var entry = live(key, clock.now()), entry.value == expected else { return false }
        entry.value = new
        values[key] = entry
        return true
    }

    /// How many entries are held, expired or not; for tests of the sweep.
    public var entryCount: Int { values.count + denials.count + counters.count }

    private func live(_ key: String, _ now: Date) -> Entry? {
        guard let entry = values[key] else { return nil }
        if entry.expires > now { return entry }
        values[key] = nil
        return nil
    }

    private func noteWrite(_ now: Date) {
        writesSinceSweep += 1
        guard writesSinceSweep >= sweepInterval else { return }
        writesSinceSweep = 0
        values = values.filter { $0.value.expires > now }
        denials = denials.filter { $0.value > now }
        counters = counters.filter { $0.value.expires > now }
    }
}
