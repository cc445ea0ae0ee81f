import Foundation
import Logging
import NIOCore
import NIOPosix
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoCore
@testable import PermisoRedis

/// Replicas, Sentinel and failover, against real `redis-server`s and sentinels on loopback.
@Suite("State store: Redis replicas and Sentinel")
struct RedisFailoverTests {
    /// Polls `condition` every 100 ms for up to `seconds`.
    private func eventually(_ seconds: Int = 15, _ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<(seconds * 10) {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    private func replica(of master: RedisServer) async throws -> RedisServer {
        let replica = try await RedisServer.start(extra: ["--replicaof", "127.0.0.1", String(master.port)])
        // Linked on both ends: the replica has loaded the master's data, and the master lists
        // it online, so a WAIT counts it.
        let linked = try await eventually {
            let loaded = try await replica.command(["INFO", "replication"]).contains("master_link_status:up")
            let online = try await master.command(["INFO", "replication"]).contains("port=\(replica.port),state=online")
            return loaded && online
        }
        #expect(linked, "the replica follows its master")
        return replica
    }

    @Test("Sentinel URLs: sentinels with default ports, IPv6, the master, a database and both credentials")
    func sentinelURL() throws {
        let endpoint = try RedisEndpoint.parse(
            "rediss+sentinel://app:p%40ss@s1,s2:26380,[::1]/my%20master/3?sentinel_username=watch&sentinel_password=guard"
        ).get()
        #expect(
            endpoint.servers
                == .sentinel(
                    RedisSentinels(
                        addresses: [
                            RedisAddress(host: "s1", port: 26379), RedisAddress(host: "s2", port: 26380),
                            RedisAddress(host: "::1", port: 26379),
                        ],
                        masterName: "my master",
                        username: "watch",
                        password: "guard"
                    )
                )
        )
        #expect(endpoint.username == "app" && endpoint.password == "p@ss" && endpoint.database == 3 && endpoint.usesTLS)
        #expect(endpoint.holdsPassword && RedisAddress(host: "::1", port: 26379).description == "[::1]:26379")
        #expect(try RedisEndpoint.parse("redis://cache.internal").get().servers == .single(RedisAddress(host: "cache.internal", port: 6379)))
        for bad in [
            "redis+sentinel://s1/", "redis+sentinel://s1/m/1/2", "redis+sentinel://s1:0/m", "redis+sentinel://s1:99999/m",
            "redis+sentinel://s1/m?sentinel_username=u", "redis://s1?sentinel_password=x", "redis+sentinel://s1/m?ssl_ca_certs=ca.pem",
            "redis+sentinel://s1/m#f", "redis+sentinel://[::1/m", "redis+sentinel://s 1/m", "redis+sentinel://user@s1/m",
        ] {
            #expect(throws: RedisURLProblem.self, "\(bad)") { try RedisEndpoint.parse(bad).get() }
        }
        // Characters a URL may not hold are read or refused, never a trap.
        let raw = try RedisEndpoint.parse("redis+sentinel://s1/m?sentinel_password=${X}{ }&&sentinel_username=%7Bw").get()
        #expect(
            raw.servers
                == .sentinel(RedisSentinels(addresses: [RedisAddress(host: "s1", port: 26379)], masterName: "m", username: "{w", password: "${X}{ }"))
        )
        #expect(throws: RedisURLProblem.self) { try RedisEndpoint.parse("redis+sentinel://s1/m?sentinel_password=%zz").get() }
        // A password with an unencoded "/", "?" or a stray "://" is never repeated in the error.
        for leaky in ["redis:/u:pw@h/0?ssl_ca_certs=file:///ca", "redis://u:12/pw@h", "redis://u:12?pw@h", "redis://u:12?pw@h=x"] {
            guard case .failure(let problem) = RedisEndpoint.parse(leaky) else {
                Issue.record("\(leaky) parsed")
                continue
            }
            #expect(!problem.message.contains("pw"), "\(problem.message)")
        }
    }

    @Test("A +switch-master announcement is read for the right master only")
    func switchMessage() {
        func message(_ payload: String) -> RESPValue {
            .array([
                .bulkString(ByteBuffer(string: "message")), .bulkString(ByteBuffer(string: "+switch-master")),
                .bulkString(ByteBuffer(string: payload)),
            ])
        }
        #expect(
            RedisSentinelWatcher.switchedMaster(in: message("mymaster 127.0.0.1 6379 127.0.0.1 6380"), named: "mymaster")
                == RedisAddress(host: "127.0.0.1", port: 6380)
        )
        #expect(RedisSentinelWatcher.switchedMaster(in: message("other 127.0.0.1 6379 127.0.0.1 6380"), named: "mymaster") == nil)
        #expect(RedisSentinelWatcher.switchedMaster(in: message("mymaster 127.0.0.1 6379 127.0.0.1 0"), named: "mymaster") == nil)
        #expect(RedisSentinelWatcher.switchedMaster(in: message("mymaster 127.0.0.1"), named: "mymaster") == nil)
    }

    @Test("No reachable sentinel, or none that knows the master, is an error naming each sentinel")
    func noSentinel() async throws {
        let first = try FreePort.find()
        let second = try FreePort.find()
        let endpoint = try RedisEndpoint.parse("redis+sentinel://127.0.0.1:\(first),127.0.0.1:\(second)/mymaster").get()
        let store = try RedisStateStore(endpoint: endpoint, timeout: .milliseconds(500), group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        do {
            _ = try await store.preflight()
            Issue.record("preflight succeeded without a sentinel")
        } catch RedisError.noSentinel(let problems) {
            #expect(problems.count == 2)
            #expect(problems[0].hasPrefix("127.0.0.1:\(first)") && problems[1].hasPrefix("127.0.0.1:\(second)"))
        }
        await #expect(throws: RedisError.self) { try await store.claimOnce("code:x", lifetime: 60) }

        let folder = try TemporaryDirectory()
        let master = try await RedisServer.start()
        defer { master.stop() }
        let sentinel = try await RedisServer.sentinel(monitoring: master, in: folder)
        defer { sentinel.stop() }
        let unknown = try RedisStateStore(
            endpoint: try RedisEndpoint.parse("redis+sentinel://127.0.0.1:\(sentinel.port)/elsewhere").get(),
            group: MultiThreadedEventLoopGroup.singleton
        )
        defer { unknown.close() }
        await #expect(throws: RedisError.noSentinel(["127.0.0.1:\(sentinel.port) does not know the master elsewhere"])) {
            try await unknown.preflight()
        }
    }

    @Test("Behind a sentinel and a master that both want a password: each gets its own, and a wrong one is named without it")
    func sentinelCredentials() async throws {
        let folder = try TemporaryDirectory()
        let master = try await RedisServer.start(password: "master-secret")
        defer { master.stop() }
        let sentinel = try await RedisServer.sentinel(monitoring: master, password: "sentinel-secret", in: folder)
        defer { sentinel.stop() }
        let url = "redis+sentinel://:master-secret@127.0.0.1:\(sentinel.port)/mymaster?sentinel_password="
        let store = try RedisStateStore(
            endpoint: try RedisEndpoint.parse(url + "sentinel-secret").get(),
            group: MultiThreadedEventLoopGroup.singleton
        )
        defer { store.close() }
        _ = try await store.preflight()
        #expect(try await store.claimOnce("code:c", lifetime: 60))
        #expect(try await master.command(["EXISTS", "permiso:code:c"]) == "1", "the master took the write")

        let wrong = try RedisStateStore(
            endpoint: try RedisEndpoint.parse(url + "guess").get(),
            timeout: .seconds(1),
            group: MultiThreadedEventLoopGroup.singleton
        )
        defer { wrong.close() }
        do {
            _ = try await wrong.preflight()
            Issue.record("a wrong sentinel password passed")
        } catch RedisError.noSentinel(let problems) {
            #expect(problems.count == 1 && problems[0].hasPrefix("127.0.0.1:\(sentinel.port)"), "\(problems)")
            #expect(!problems[0].contains("guess") && !problems[0].contains("secret"), "\(problems)")
        }
    }

    @Test("rediss+sentinel: TLS to a sentinel that wants a password and to the masters it names, through a failover")
    func sentinelOverTLS() async throws {
        let folder = try TemporaryDirectory()
        let certificates = try TestCertificates(in: folder)
        let master = try await RedisServer.start(tls: certificates)
        defer { master.stop() }
        let replica = try await RedisServer.start(
            tls: certificates,
            extra: ["--replicaof", "127.0.0.1", String(master.port), "--tls-replication", "yes"]
        )
        defer { replica.stop() }
        let sentinel = try await RedisServer.sentinel(monitoring: master, password: "watch-secret", tls: certificates, in: folder)
        defer { sentinel.stop() }
        let url = "rediss+sentinel://127.0.0.1:\(sentinel.port)/mymaster?sentinel_password=watch-secret&ssl_ca_certs=\(certificates.ca)"
        let store = try RedisStateStore(endpoint: try RedisEndpoint.parse(url).get(), group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        _ = try await store.preflight()
        #expect(try await store.claimOnce("before", lifetime: 60))
        #expect(try await master.command(["EXISTS", "permiso:before"]) == "1", "the write went to the master, over TLS")
        // The store's watcher is subscribed to the sentinel: over TLS, after its AUTH.
        #expect(try await eventually { try await sentinel.command(["CLIENT", "LIST"]).contains("sub=1") })

        #expect(try await eventually { try await sentinel.command(["SENTINEL", "REPLICAS", "mymaster"]).contains(String(replica.port)) })
        #expect(try await eventually { try await sentinel.command(["SENTINEL", "FAILOVER", "mymaster"]) == "OK" })
        #expect(try await eventually { try await replica.command(["ROLE"]).hasPrefix("master") }, "the replica is promoted")
        let recovered = try await eventually {
            _ = try? await store.claimOnce("after", lifetime: 60)
            return try await replica.command(["EXISTS", "permiso:after"]) == "1"
        }
        #expect(recovered, "writes follow the new master, over TLS, without a restart")

        // The same URL without the CA: no sentinel is trusted, so none is asked.
        let untrusted = try RedisStateStore(
            endpoint: try RedisEndpoint.parse("rediss+sentinel://127.0.0.1:\(sentinel.port)/mymaster?sentinel_password=watch-secret").get(),
            timeout: .seconds(1),
            group: MultiThreadedEventLoopGroup.singleton
        )
        defer { untrusted.close() }
        do {
            _ = try await untrusted.preflight()
            Issue.record("a sentinel was trusted without the CA")
        } catch RedisError.noSentinel(let problems) {
            #expect(problems.count == 1 && problems[0].hasPrefix("127.0.0.1:\(sentinel.port)"), "\(problems)")
            #expect(!problems[0].contains("watch-secret"), "\(problems)")
        }
    }

    @Test("Behind Sentinel: writes go to the master it names, and follow a failover without a restart")
    func sentinelFailover() async throws {
        let folder = try TemporaryDirectory()
        let master = try await RedisServer.start()
        defer { master.stop() }
        let replica = try await replica(of: master)
        defer { replica.stop() }
        let sentinel = try await RedisServer.sentinel(monitoring: master, in: folder)
        defer { sentinel.stop() }
        // A sentinel that is down comes first in the URL: the next one is asked.
        let down = try FreePort.find()
        let endpoint = try RedisEndpoint.parse("redis+sentinel://127.0.0.1:\(down),127.0.0.1:\(sentinel.port)/mymaster").get()
        let store = try RedisStateStore(endpoint: endpoint, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        _ = try await store.preflight()
        #expect(try await store.claimOnce("before", lifetime: 60))
        #expect(try await master.command(["EXISTS", "permiso:before"]) == "1", "the write went to the master")

        let knowsReplica = try await eventually {
            try await sentinel.command(["SENTINEL", "REPLICAS", "mymaster"]).contains(String(replica.port))
        }
        #expect(knowsReplica)
        // The sentinel refuses (NOGOODSLAVE) until it has heard from the replica itself.
        let failingOver = try await eventually {
            try await sentinel.command(["SENTINEL", "FAILOVER", "mymaster"]) == "OK"
        }
        #expect(failingOver, "the sentinel starts a failover")
        // Until the old master is demoted too, a write to it is lost when it resyncs from the
        // new one: the window `stateStoreReplication` closes (its WAIT finds no replica there).
        let promoted = try await eventually {
            let newRole = try await replica.command(["ROLE"])
            let oldRole = try await master.command(["ROLE"])
            return newRole.hasPrefix("master") && oldRole.hasPrefix("slave")
        }
        #expect(promoted, "the sentinel promotes the replica and demotes the master")

        var claimed = 0
        let recovered = try await eventually {
            if try await store.claimOnce("after", lifetime: 60) { claimed += 1 }
            return try await replica.command(["EXISTS", "permiso:after"]) == "1"
        }
        #expect(recovered && claimed == 1, "the claim lands on the new master, once (claimed \(claimed))")
        #expect(try await store.claimOnce("before", lifetime: 60) == false, "a claim made before the failover still holds")
        #expect(try await store.claimOnce("after", lifetime: 60) == false)
    }

    @Test("A primary demoted under an open connection: READONLY is never taken for a write, and a replica is never used")
    func demotedPrimary() async throws {
        let first = try await RedisServer.start()
        defer { first.stop() }
        let second = try await RedisServer.start()
        defer { second.stop() }
        let store = try RedisStateStore(endpoint: first.endpoint, connections: 2, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        #expect(try await store.claimOnce("x", lifetime: 60))
        #expect(try await store.claimOnce("x2", lifetime: 60), "both connections are open")

        // The DNS name now points at `second`, and `first` follows it as a replica.
        _ = try await first.command(["REPLICAOF", "127.0.0.1", String(second.port)])
        await #expect(throws: RedisError.notPrimary(address: RedisAddress(host: "127.0.0.1", port: first.port), role: "slave")) {
            try await store.claimOnce("y", lifetime: 60)
        }
        await #expect(throws: RedisError.self, "no read from the replica either") { try await store.value("x") }
        #expect(try await first.command(["EXISTS", "permiso:y"]) == "0")

        _ = try await first.command(["REPLICAOF", "NO", "ONE"])
        #expect(try await store.claimOnce("y", lifetime: 60), "a master again: service resumes, no restart")
        #expect(try await store.claimOnce("y", lifetime: 60) == false)
    }

    @Test("With replication required, a write counts only once a replica confirms it; otherwise it fails closed")
    func waitForReplicas() async throws {
        let master = try await RedisServer.start()
        defer { master.stop() }
        var endpoint = master.endpoint
        // Long enough for a loaded machine's replica to acknowledge; the refusals below wait it out.
        endpoint.replication = RedisReplication(replicas: 1, timeoutMilliseconds: 1000)
        let store = try RedisStateStore(endpoint: endpoint, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }

        await #expect(throws: RedisError.notReplicated(confirmed: 0, required: 1)) { try await store.claimOnce("alone", lifetime: 60) }
        await #expect(throws: RedisError.notReplicated(confirmed: 0, required: 1)) {
            try await store.deny("session:s", until: Date().addingTimeInterval(60))
        }
        #expect(try await store.increment("throttle", window: 60) == 1, "counters do not wait for replicas")
        #expect(try await store.value("throttle") == "1", "reads do not wait either")

        let replica = try await replica(of: master)
        defer { replica.stop() }
        #expect(try await store.claimOnce("replicated", lifetime: 60))
        #expect(try await replica.command(["EXISTS", "permiso:replicated"]) == "1", "the replica holds it when the claim returns")
        #expect(try await store.insert("device:1", value: "pending", lifetime: 60))
        #expect(try await store.replace("device:1", expected: "pending", with: "approved"))
        #expect(try await replica.command(["GET", "permiso:device:1"]) == "approved")
        #expect(try await store.claimOnce("replicated", lifetime: 60) == false)
    }

    @Test("A write waiting for replicas holds up no read or counter: those travel on other connections")
    func waitOnItsOwnConnections() async throws {
        let master = try await RedisServer.start()
        defer { master.stop() }
        var endpoint = master.endpoint
        // No replica, so the claim's WAIT runs its whole timeout and then fails closed.
        endpoint.replication = RedisReplication(replicas: 1, timeoutMilliseconds: 3000)
        // One connection per lane: without lanes, the reads below would queue behind the WAIT.
        let store = try RedisStateStore(
            endpoint: endpoint,
            connections: 1,
            timeout: .seconds(10),
            group: MultiThreadedEventLoopGroup.singleton
        )
        defer { store.close() }
        #expect(try await store.value("warm") == nil, "the read lane is connected")

        let claim = Task { try await store.claimOnce("code:c", lifetime: 60) }
        // Redis lists the claim's connection as blocked in WAIT, with most of its 3 s to go.
        let waiting = try await eventually(10) {
            try await master.command(["CLIENT", "LIST"]).contains("cmd=wait")
        }
        #expect(waiting, "the claim is waiting for a replica")
        let clock = ContinuousClock()
        let started = clock.now
        #expect(try await store.value("code:c") == "1", "a read sees the claim Redis applied, while its WAIT runs")
        #expect(try await store.read(["code:c", "other"]) == ["1", nil])
        #expect(try await store.increment("throttle", window: 60) == 1)
        // Queued behind the WAIT, the first of them would have taken the rest of its 3 s.
        let took = clock.now - started
        #expect(took < .milliseconds(1500), "the reads and the counter came back in \(took)")
        await #expect(throws: RedisError.notReplicated(confirmed: 0, required: 1)) { try await claim.value }
    }

    @Test("A connection to a master no longer confirmed is not used again, and what it had in flight still comes back")
    func connectionToAnOldMaster() async throws {
        let old = try await RedisServer.start()
        defer { old.stop() }
        let new = try await RedisServer.start()
        defer { new.stop() }
        let sentinel = try await FakeSentinel.start(naming: RedisAddress(host: "127.0.0.1", port: old.port))
        defer { sentinel.close() }
        let endpoint = try RedisEndpoint.parse("redis+sentinel://127.0.0.1:\(sentinel.port)/mymaster").get()
        let pool = try RedisConnectionPool(
            endpoint: endpoint,
            connections: 1,
            timeout: .seconds(2),
            group: MultiThreadedEventLoopGroup.singleton
        )
        defer { pool.close() }
        _ = try await pool.send(["SET", "k", "old"])
        // A command still out on that connection when the master changes.
        let blocked = Task { try await pool.send(["BLPOP", "nothing", "1"]) }
        #expect(try await eventually(10) { try await old.command(["CLIENT", "LIST"]).contains("cmd=blpop") })
        // What the other lane does: its connection fails, so the old master is forgotten;
        // it dials the new one, which passes its role check.
        let oldAddress = RedisAddress(host: "127.0.0.1", port: old.port)
        let other = RedisAddress(host: "127.0.0.1", port: new.port)
        pool.locator.forget(oldAddress)
        #expect(pool.locator.isCurrent(oldAddress), "forgotten is not replaced: nothing is retired yet")
        pool.locator.confirm(other)
        #expect(!pool.locator.isCurrent(oldAddress))
        // An older dial's confirmation does not undo it.
        pool.locator.confirm(oldAddress)
        #expect(!pool.locator.isCurrent(oldAddress))
        #expect(try await pool.send(["GET", "k"]).isNull, "asked the new master, which never held k")
        _ = try await pool.send(["SET", "k", "new"])
        #expect(try await old.command(["GET", "k"]) == "old")
        #expect(try await new.command(["GET", "k"]) == "new")
        // The retired connection still brought its answer home: nothing in flight was cut.
        #expect(try await blocked.value == .array(nil))
        // The new master failing once does not bring the old one's connections back.
        pool.locator.forget(other)
        #expect(!pool.locator.isCurrent(oldAddress))
    }

    @Test("With replication required, start-up warns of too few replicas and refuses a server that refuses WAIT")
    func replicationPreflight() async throws {
        let master = try await RedisServer.start()
        defer { master.stop() }
        var endpoint = master.endpoint
        // Long enough for a loaded machine's replica to acknowledge; the refusals below wait it out.
        endpoint.replication = RedisReplication(replicas: 1, timeoutMilliseconds: 1000)
        let store = try RedisStateStore(endpoint: endpoint, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }
        let alone = try await store.preflight()
        #expect(alone.contains { $0.contains("asks for 1 replica(s)") && $0.contains("has 0 connected") }, "\(alone)")

        let replica = try await replica(of: master)
        defer { replica.stop() }
        let joined = try await store.preflight()
        #expect(!joined.contains { $0.contains("stateStoreReplication") }, "\(joined)")

        let withoutWait = try await RedisServer.start(extra: ["--rename-command", "WAIT", ""])
        defer { withoutWait.stop() }
        var refusing = withoutWait.endpoint
        refusing.replication = RedisReplication(replicas: 1)
        let refused = try RedisStateStore(endpoint: refusing, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
        defer { refused.close() }
        do {
            _ = try await refused.preflight()
            Issue.record("a server without WAIT passed the preflight")
        } catch RedisError.waitRefused(let message) {
            #expect(message.contains("unknown command"), "\(message)")
        }
        let plain = try RedisStateStore(endpoint: withoutWait.endpoint, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
        defer { plain.close() }
        let plainWarnings = try await plain.preflight()
        #expect(plainWarnings.allSatisfy { !$0.contains("replica") }, "without the setting, WAIT is not needed: \(plainWarnings)")
    }

    @Test("A sentinel that names a replica goes to the back: the next question goes to one that knows the master")
    func staleSentinel() async throws {
        let folder = try TemporaryDirectory()
        let master = try await RedisServer.start()
        defer { master.stop() }
        let replica = try await replica(of: master)
        defer { replica.stop() }
        let sentinel = try await RedisServer.sentinel(monitoring: master, in: folder)
        defer { sentinel.stop() }
        let replicaAddress = RedisAddress(host: "127.0.0.1", port: replica.port)
        let stale = try await FakeSentinel.start(naming: replicaAddress)
        defer { stale.close() }
        let endpoint = try RedisEndpoint.parse("redis+sentinel://127.0.0.1:\(stale.port),127.0.0.1:\(sentinel.port)/mymaster").get()
        let store = try RedisStateStore(endpoint: endpoint, connections: 1, group: MultiThreadedEventLoopGroup.singleton)
        defer { store.close() }

        await #expect(throws: RedisError.notPrimary(address: replicaAddress, role: "slave")) { try await store.claimOnce("a", lifetime: 60) }
        #expect(try await store.claimOnce("a", lifetime: 60), "the second question goes to the sentinel that knows")
        #expect(try await store.claimOnce("b", lifetime: 60))
        #expect(try await master.command(["EXISTS", "permiso:a"]) == "1" && replica.port != master.port)
        #expect(stale.questions == 1, "the stale sentinel was asked once")
    }

    @Test("A master announced while a slow sentinel answers is kept: the answer is older news")
    func announcementDuringQuestion() async throws {
        let old = RedisAddress(host: "127.0.0.1", port: 1111)
        let announced = RedisAddress(host: "127.0.0.1", port: 2222)
        let slow = try await FakeSentinel.start(naming: old, delay: .milliseconds(400))
        defer { slow.close() }
        let endpoint = try RedisEndpoint.parse("redis+sentinel://127.0.0.1:\(slow.port)/mymaster").get()
        let locator = RedisPrimaryLocator(endpoint: endpoint, tls: nil, timeout: .seconds(2), group: MultiThreadedEventLoopGroup.singleton)
        async let asked = locator.primary()
        #expect(try await eventually(2) { slow.questions == 1 }, "the question is out")
        locator.learn(announced)
        #expect(try await asked == announced)
        #expect(try await locator.primary() == announced, "and it stays")
        locator.forget(announced)
        #expect(try await locator.primary() == old, "once forgotten, the sentinels are asked again")
    }

    /// The new masters a watcher reported.
    final class Switches: Sendable {
        let count = Atomic<Int>(0)
        var reported: Bool { count.load(ordering: .relaxed) > 0 }
    }

    /// A watcher of `sentinels` for `locator`, running until the task is cancelled.
    func watch(
        _ sentinels: RedisSentinels,
        locator: RedisPrimaryLocator,
        timeout: TimeAmount,
        keepalive: TimeAmount = .seconds(1)
    ) -> (Switches, Task<Void, Never>) {
        let switches = Switches()
        let watcher = RedisSentinelWatcher(
            sentinels: sentinels,
            locator: locator,
            tls: nil,
            timeout: timeout,
            group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test"),
            keepalive: keepalive
        ) { switches.count.add(1, ordering: .relaxed) }
        return (switches, Task { await watcher.run() })
    }

    @Test("A failover announced while no subscription was open is caught when one opens")
    func missedAnnouncement() async throws {
        let master = try await RedisServer.start()
        defer { master.stop() }
        let replica = try await replica(of: master)
        defer { replica.stop() }
        let folder = try TemporaryDirectory()
        let sentinel = try await RedisServer.sentinel(monitoring: master, in: folder)
        defer { sentinel.stop() }
        let endpoint = try RedisEndpoint.parse("redis+sentinel://127.0.0.1:\(sentinel.port)/mymaster").get()
        guard case .sentinel(let sentinels) = endpoint.servers else { return }
        let locator = RedisPrimaryLocator(endpoint: endpoint, tls: nil, timeout: .seconds(2), group: MultiThreadedEventLoopGroup.singleton)
        #expect(try await locator.primary() == RedisAddress(host: "127.0.0.1", port: master.port))
        // The failover happens, and is announced, before anyone listens.
        #expect(try await eventually { try await sentinel.command(["SENTINEL", "REPLICAS", "mymaster"]).contains(String(replica.port)) })
        #expect(try await eventually { try await sentinel.command(["SENTINEL", "FAILOVER", "mymaster"]) == "OK" })
        #expect(
            try await eventually {
                try await sentinel.command(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]).contains(String(replica.port))
            }
        )
        let (switches, watching) = watch(sentinels, locator: locator, timeout: .seconds(2))
        defer { watching.cancel() }
        #expect(try await eventually { switches.reported }, "the new subscription asked, and the answer differed")
        #expect(try await locator.primary() == RedisAddress(host: "127.0.0.1", port: replica.port))
    }

    @Test("A subscription to a sentinel that froze ends, and the next sentinel's announcement is taken")
    func frozenSentinel() async throws {
        let master = try await RedisServer.start()
        defer { master.stop() }
        let replica = try await replica(of: master)
        defer { replica.stop() }
        let frozenFolder = try TemporaryDirectory()
        let frozen = try await RedisServer.sentinel(monitoring: master, in: frozenFolder)
        defer { frozen.stop() }
        let liveFolder = try TemporaryDirectory()
        let live = try await RedisServer.sentinel(monitoring: master, in: liveFolder)
        defer { live.stop() }
        let endpoint = try RedisEndpoint.parse("redis+sentinel://127.0.0.1:\(frozen.port),127.0.0.1:\(live.port)/mymaster").get()
        guard case .sentinel(let sentinels) = endpoint.servers else { return }
        let locator = RedisPrimaryLocator(endpoint: endpoint, tls: nil, timeout: .seconds(1), group: MultiThreadedEventLoopGroup.singleton)
        #expect(try await locator.primary() == RedisAddress(host: "127.0.0.1", port: master.port))
        let (switches, watching) = watch(sentinels, locator: locator, timeout: .seconds(1), keepalive: .milliseconds(200))
        defer { watching.cancel() }

        let subscribed = { (sentinel: RedisServer) in try await sentinel.command(["CLIENT", "LIST"]).contains("sub=1") }
        #expect(try await eventually { try await subscribed(frozen) }, "the watcher subscribes to the first sentinel")
        frozen.freeze()
        // A keepalive unanswered for the 1 s timeout ends the subscription; the rest is the
        // suite's other servers competing for the cores.
        #expect(try await eventually { try await subscribed(live) }, "and moves on when it stops answering")
        #expect(try await eventually { try await live.command(["SENTINEL", "REPLICAS", "mymaster"]).contains(String(replica.port)) })
        // NOGOODSLAVE while the sentinel's last word from the replica is older than it likes: ask again.
        #expect(try await eventually { try await live.command(["SENTINEL", "FAILOVER", "mymaster"]) == "OK" })
        #expect(try await eventually { switches.reported }, "the live sentinel's announcement arrives")
        #expect(try await locator.primary() == RedisAddress(host: "127.0.0.1", port: replica.port))
    }
}
