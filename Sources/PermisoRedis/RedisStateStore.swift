public import Foundation
public import Logging
public import NIOCore
public import PermisoCore
import Synchronization

/// The state store many instances share: every operation is one atomic Redis command or
/// Lua script, so parallel requests on any instances cannot both claim a code, lose a
/// counter increment or approve a device grant twice.
///
/// Lifetimes go to Redis as relative milliseconds (`PX`), never as absolute times, so the
/// clocks of Permiso's hosts and Redis's host need not agree. Keys are prefixed, so
/// Permiso can share a Redis database with other software.
public final class RedisStateStore: StateStore {
    private let pool: RedisConnectionPool
    private let prefix: String
    private let clock: any WallClock
    private let logger: Logger
    private let replication: RedisReplication?
    /// Whether the last command got an answer; logged when it changes, not per request.
    private let reachable = Atomic<Bool>(true)
    /// Whether the last write reached enough replicas; logged when it changes.
    private let replicated = Atomic<Bool>(true)
    /// The `+switch-master` subscription, behind Sentinel once `preflight()` started it.
    private let watcher = Mutex<Task<Void, Never>?>(nil)
    private let timeout: TimeAmount
    private let group: any EventLoopGroup

    /// Throws only when `rediss://` names a CA file that is not a PEM certificate.
    ///
    /// - Parameters:
    ///   - connections: pipelined connections to keep; a few carry thousands of requests a second.
    ///     With `stateStoreReplication`, as many again carry the writes that wait for replicas.
    ///   - timeout: how long to wait to connect and for each reply before failing closed.
    public init(
        endpoint: RedisEndpoint,
        connections: Int = 4,
        timeout: TimeAmount = .seconds(2),
        prefix: String = "permiso:",
        clock: any WallClock = SystemWallClock(),
        group: any EventLoopGroup,
        logger: Logger = Logger(label: "permiso.redis")
    ) throws {
        self.pool = try RedisConnectionPool(endpoint: endpoint, connections: connections, timeout: timeout, group: group)
        self.prefix = prefix
        self.clock = clock
        self.logger = logger
        self.replication = endpoint.replication
        self.timeout = timeout
        self.group = group
    }

    public func claimOnce(_ key: String, lifetime: Int) async throws -> Bool {
        try await insert(key, value: "1", lifetime: lifetime)
    }

    public func deny(_ key: String, until: Date) async throws {
        let milliseconds = Int((until.timeIntervalSince(clock.now()) * 1_000).rounded(.up))
        guard milliseconds > 0 else { return }
        _ = try await write(["EVAL", Self.denyScript, "1", prefix + key, String(milliseconds)])
    }

    public func isDenied(_ key: String) async throws -> Bool {
        try await integer(send(["EXISTS", prefix + key])) == 1
    }

    public func increment(_ key: String, window: Int) async throws -> Int {
        try await integer(script(Self.incrementScript, key: key, [String(window * 1_000)]))
    }

    public func decrement(_ key: String) async throws {
        _ = try await script(Self.decrementScript, key: key, [])
    }

    public func insert(_ key: String, value: String, lifetime: Int) async throws -> Bool {
        let reply = try await write(["SET", prefix + key, value, "NX", "PX", String(lifetime * 1_000)])
        return !reply.isNull
    }

    public func value(_ key: String) async throws -> String? {
        try await send(["GET", prefix + key]).string
    }

    public func replace(_ key: String, expected: String, with new: String) async throws -> Bool {
        try await integer(write(["EVAL", Self.replaceScript, "1", prefix + key, expected, new])) == 1
    }

    public func read(_ keys: [String]) async throws -> [String?] {
        guard !keys.isEmpty else { return [] }
        guard case .array(let replies?) = try await send(["MGET"] + keys.map { prefix + $0 }), replies.count == keys.count else {
            throw RedisError.unexpectedReply("expected one reply per key")
        }
        // Each key holds a bulk string or nothing; anything else is no answer to trust.
        return try replies.map { reply in
            switch reply {
            case .bulkString(nil): return nil
            case .bulkString(let buffer?): return String(buffer: buffer)
            default: throw RedisError.unexpectedReply("expected a bulk string per key")
            }
        }
    }

    public func raise(_ key: String, to value: Int, until: Date) async throws {
        let milliseconds = Int((until.timeIntervalSince(clock.now()) * 1_000).rounded(.up))
        guard milliseconds > 0 else { return }
        _ = try await write(["EVAL", Self.raiseScript, "1", prefix + key, String(value), String(milliseconds)])
    }

    /// Connects now, so a server that cannot be used (unreachable, wrong password, or one
    /// that may evict keys) is known before the first request needs it. Returns warnings:
    /// when the server keeps no append-only file (`durabilityWarning(in:)`), and when
    /// `stateStoreReplication` asks for more replicas than are connected now
    /// (`replicationWarning(in:required:)`).
    ///
    /// With `stateStoreReplication`, a server that refuses `WAIT` (a proxy that does not
    /// pass it, an ACL that denies it) throws `RedisError.waitRefused`: every write that
    /// guards a single use would fail closed for as long as it runs.
    ///
    /// Behind Sentinel it first asks the sentinels, and throws `RedisError.noSentinel`
    /// (naming each one and its problem) when none names the master: a URL whose sentinels
    /// all fail is a mistake to report at start-up, not an outage to wait out. A master that
    /// is named but unreachable is an outage: the error is the caller's to warn about, and
    /// the store recovers when the sentinels name a reachable one. It then follows the
    /// sentinels' failover announcements until `close()`.
    public func preflight() async throws -> [String] {
        if let sentinels = pool.locator.sentinels {
            _ = try await pool.locator.primary()
            followFailovers(sentinels)
        }
        _ = try await pool.send(["PING"])
        var warnings: [String] = []
        if let warning = (try await pool.send(["INFO", "persistence"])).string.flatMap(Self.durabilityWarning(in:)) {
            warnings.append(warning)
        }
        if let replication {
            do {
                _ = try await pool.send(["WAIT", "0", "0"])
            } catch RedisError.server(let message) {
                throw RedisError.waitRefused(message)
            }
            let info = try await pool.send(["INFO", "replication"]).string ?? ""
            if let warning = Self.replicationWarning(in: info, required: replication.replicas) { warnings.append(warning) }
        }
        return warnings
    }

    /// What too few connected replicas mean, from an `INFO replication` reply: every write
    /// that must reach `required` of them fails closed until they connect. A warning, not a
    /// refusal: replicas may come up after the master, and the writes recover when they do.
    static func replicationWarning(in info: String, required: Int) -> String? {
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("connected_slaves:") }
        let connected = line.flatMap { Int($0.dropFirst("connected_slaves:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        guard connected < required else { return nil }
        return "stateStoreReplication asks for \(required) replica(s) to confirm each write, and the master has \(connected) connected: "
            + "codes, refresh tokens, logouts and revocations answer temporarily_unavailable until enough replicas connect"
    }

    /// What a Redis without an append-only file means, from its `INFO persistence` reply.
    ///
    /// A restart of such a server forgets every key since the last snapshot: used codes and
    /// refresh-token generations can be redeemed again and logouts are undone (bench/faults
    /// measures it). Not a refusal, since a replicated deployment may rely on its replicas
    /// instead, but never silent.
    static func durabilityWarning(in info: String) -> String? {
        let enabled = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("aof_enabled:") }
        guard enabled?.dropFirst("aof_enabled:".count).trimmingCharacters(in: .whitespaces) == "0" else { return nil }
        return "redis keeps no append-only file (appendonly no): if it restarts, used codes and refresh tokens "
            + "become valid again and logouts are forgotten; run it with appendonly yes (appendfsync always keeps every claim it acknowledged)"
    }

    /// Closes the connections and stops following failovers; commands after this dial again.
    public func close() {
        watcher.withLock { task in
            task?.cancel()
            task = nil
        }
        pool.close()
    }

    private func followFailovers(_ sentinels: RedisSentinels) {
        watcher.withLock { task in
            guard task == nil else { return }
            let watcher = RedisSentinelWatcher(
                sentinels: sentinels,
                locator: pool.locator,
                tls: pool.locator.tls,
                timeout: timeout,
                group: group,
                logger: logger
            ) { [pool] in pool.close() }
            task = Task { await watcher.run() }
        }
    }

    private func script(_ source: String, key: String, _ arguments: [String]) async throws -> RESPValue {
        try await send(["EVAL", source, "1", prefix + key] + arguments)
    }

    /// A write that guards a single use, a denial or a revocation. With
    /// `stateStoreReplication` it is followed on the same connection by `WAIT`, and counts
    /// only when enough replicas confirm it (`RedisReplication`); otherwise it fails closed.
    /// Those connections carry nothing else (`RedisConnectionPool.Lane`), so reads and
    /// counters never queue behind a `WAIT`. Counters (throttles) do not wait: a lost count
    /// costs a few extra attempts, not a second use.
    private func write(_ arguments: [String]) async throws -> RESPValue {
        guard let replication else { return try await send(arguments) }
        let replies = try await observe {
            try await pool.send(
                all: [arguments, ["WAIT", String(replication.replicas), String(replication.timeoutMilliseconds)]],
                on: .replicated
            )
        }
        let confirmed = try integer(replies[1])
        guard confirmed >= replication.replicas else {
            let error = RedisError.notReplicated(confirmed: confirmed, required: replication.replicas)
            if replicated.exchange(false, ordering: .relaxed) {
                logger.error(
                    "state store writes are not replicated in time; operations that write answer temporarily_unavailable",
                    metadata: ["problem": "\(error)"]
                )
            }
            throw error
        }
        if !replicated.exchange(true, ordering: .relaxed) {
            logger.notice("state store writes are replicated again")
        }
        return replies[0]
    }

    private func send(_ arguments: [String]) async throws -> RESPValue {
        try await observe { try await pool.send(arguments) }
    }

    /// Every command goes through here, so an outage and the recovery are each logged once.
    private func observe<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let reply = try await body()
            if !reachable.exchange(true, ordering: .relaxed) {
                logger.notice("state store reachable again")
            }
            return reply
        } catch {
            if case RedisError.server = error {
                logger.error("state store refused a command", metadata: ["problem": "\(error)"])
            } else if reachable.exchange(false, ordering: .relaxed) {
                logger.error(
                    "state store unreachable; operations that need it answer temporarily_unavailable",
                    metadata: ["problem": "\(error)"]
                )
            }
            throw error
        }
    }

    private func integer(_ reply: RESPValue) throws -> Int {
        guard case .integer(let value) = reply else { throw RedisError.unexpectedReply("expected an integer") }
        return value
    }

    /// Extends a denial, never shortens it: a second `deny` with an earlier end is a no-op.
    private static let denyScript = """
        local left = redis.call('PTTL', KEYS[1])
        if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
        return 1
        """

    /// `INCR` and, for the first increment only, `PEXPIRE`: one script, so a counter can
    /// never be left without its expiry by a client dying between two commands.
    private static let incrementScript = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return count
        """

    /// `DECR` only on a live counter above zero: a bare `DECR` on an expired key would create
    /// one at -1 with no expiry.
    private static let decrementScript = """
        if (tonumber(redis.call('GET', KEYS[1]) or '0')) > 0 then return redis.call('DECR', KEYS[1]) end
        return 0
        """

    /// The larger value and the longer lifetime of the two, in one step: an epoch never moves
    /// back, and its key never expires before the tokens it refuses would have.
    private static let raiseScript = """
        local held = tonumber(redis.call('GET', KEYS[1]) or ARGV[1]) or tonumber(ARGV[1])
        local value = math.max(held, tonumber(ARGV[1]))
        local lifetime = math.max(redis.call('PTTL', KEYS[1]), tonumber(ARGV[2]))
        redis.call('SET', KEYS[1], string.format('%d', value), 'PX', lifetime)
        return 1
        """

    /// Compare-and-set that keeps the remaining lifetime.
    private static let replaceScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        local left = redis.call('PTTL', KEYS[1])
        if left <= 0 then return 0 end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', left)
        return 1
        """
}
