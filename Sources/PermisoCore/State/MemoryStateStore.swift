public import Foundation
internal import Synchronization

/// The embedded state store: correct for one instance, lost on restart.
///
/// Each operation holds one lock for a few dictionary steps, so each is atomic the way
/// Redis's single commands are. A lock rather than an actor: an actor is one queue all
/// requests wait in, and with the tasks on NIO's event loops (see `permiso serve`) its
/// queue drained on one loop while that loop's connections waited — code exchanges had a
/// p99 of over a second. Expired entries are dropped as they are met and swept every
/// `sweepInterval` writes, so memory stays proportional to what is live.
///
/// It holds at most `capacity` entries. A write that would add one more first sweeps what
/// has expired; if the store is still full, the write throws `Full` and the operation fails
/// closed (`temporarily_unavailable`). Nothing already stored is ever dropped to make room:
/// evicting a single-use marker would make a code redeemable again, evicting a denial would
/// revive a logged-out session.
public final class MemoryStateStore: StateStore {
    /// The store holds `capacity` live entries and refused to add one more.
    public struct Full: Error, Equatable {}

    private struct Entry {
        var value: String
        var expires: Date
    }

    private struct Tables {
        var values: [String: Entry] = [:]
        var denials: [String: Date] = [:]
        var counters: [String: (count: Int, expires: Date)] = [:]
        var writesSinceSweep = 0

        mutating func live(_ key: String, _ now: Date) -> Entry? {
            guard let entry = values[key] else { return nil }
            if entry.expires > now { return entry }
            values[key] = nil
            return nil
        }

        var count: Int { values.count + denials.count + counters.count }

        mutating func noteWrite(_ now: Date) {
            writesSinceSweep += 1
            guard writesSinceSweep >= MemoryStateStore.sweepInterval else { return }
            sweep(now)
        }

        mutating func sweep(_ now: Date) {
            writesSinceSweep = 0
            values = values.filter { $0.value.expires > now }
            denials = denials.filter { $0.value > now }
            counters = counters.filter { $0.value.expires > now }
        }

        /// Room for one new entry, or `Full`.
        mutating func makeRoom(_ capacity: Int, _ now: Date) throws(Full) {
            guard count >= capacity else { return }
            sweep(now)
            if count >= capacity { throw Full() }
        }
    }

    private static let sweepInterval = 1_024
    /// About 200 MB of entries: far more than one instance's live codes, sessions and
    /// counters, and a bound an attacker cannot push past.
    public static let defaultCapacity = 1_000_000
    private let tables = Mutex(Tables())
    private let clock: any WallClock
    public let capacity: Int

    public init(clock: any WallClock = SystemWallClock(), capacity: Int = MemoryStateStore.defaultCapacity) {
        self.clock = clock
        self.capacity = capacity
    }

    public func claimOnce(_ key: String, lifetime: Int) async throws -> Bool {
        try insertNow(key, value: "1", lifetime: lifetime)
    }

    public func deny(_ key: String, until: Date) async throws {
        let now = clock.now()
        let capacity = capacity
        try tables.withLock { (tables) throws(Full) in
            if tables.denials[key] == nil { try tables.makeRoom(capacity, now) }
            // A second denial never shortens the first.
            tables.denials[key] = max(until, tables.denials[key] ?? until)
            tables.noteWrite(now)
        }
    }

    public func isDenied(_ key: String) async -> Bool {
        let now = clock.now()
        return tables.withLock { tables in
            guard let until = tables.denials[key] else { return false }
            if until > now { return true }
            tables.denials[key] = nil
            return false
        }
    }

    public func increment(_ key: String, window: Int) async throws -> Int {
        let now = clock.now()
        let capacity = capacity
        return try tables.withLock { (tables) throws(Full) in
            var counter: (count: Int, expires: Date) = (0, now.addingTimeInterval(TimeInterval(window)))
            if let existing = tables.counters[key], existing.expires > now {
                counter = existing
            } else if tables.counters[key] == nil {
                try tables.makeRoom(capacity, now)
            }
            counter.count += 1
            tables.counters[key] = counter
            tables.noteWrite(now)
            return counter.count
        }
    }

    public func decrement(_ key: String) async {
        let now = clock.now()
        tables.withLock { tables in
            guard var counter = tables.counters[key], counter.expires > now, counter.count > 0 else { return }
            counter.count -= 1
            tables.counters[key] = counter
        }
    }

    public func insert(_ key: String, value: String, lifetime: Int) async throws -> Bool {
        try insertNow(key, value: value, lifetime: lifetime)
    }

    public func value(_ key: String) async -> String? {
        let now = clock.now()
        return tables.withLock { $0.live(key, now)?.value }
    }

    public func replace(_ key: String, expected: String, with new: String) async -> Bool {
        let now = clock.now()
        return tables.withLock { tables in
            guard var entry = tables.live(key, now), entry.value == expected else { return false }
            entry.value = new
            tables.values[key] = entry
            return true
        }
    }

    public func read(_ keys: [String]) async -> [String?] {
        let now = clock.now()
        return tables.withLock { tables in
            keys.map { key in
                if let entry = tables.live(key, now) { return entry.value }
                if let until = tables.denials[key], until > now { return "1" }
                if let counter = tables.counters[key], counter.expires > now { return String(counter.count) }
                return nil
            }
        }
    }

    public func raise(_ key: String, to value: Int, until: Date) async throws {
        let now = clock.now()
        guard until > now else { return }
        let capacity = capacity
        try tables.withLock { (tables) throws(Full) in
            let existing = tables.live(key, now)
            if existing == nil, tables.values[key] == nil { try tables.makeRoom(capacity, now) }
            let held = existing.flatMap { Int($0.value) } ?? value
            tables.values[key] = Entry(value: String(max(held, value)), expires: max(until, existing?.expires ?? until))
            tables.noteWrite(now)
        }
    }

    /// How many entries are held, expired or not; for tests of the sweep.
    public var entryCount: Int {
        tables.withLock { $0.values.count + $0.denials.count + $0.counters.count }
    }

    private func insertNow(_ key: String, value: String, lifetime: Int) throws(Full) -> Bool {
        let now = clock.now()
        let capacity = capacity
        return try tables.withLock { (tables) throws(Full) in
            if tables.live(key, now) != nil { return false }
            if tables.values[key] == nil { try tables.makeRoom(capacity, now) }
            tables.values[key] = Entry(value: value, expires: now.addingTimeInterval(TimeInterval(lifetime)))
            tables.noteWrite(now)
            return true
        }
    }
}
