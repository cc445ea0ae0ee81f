import NIOCore
import NIOPosix
import NIOSSL
import PermisoCore
import Synchronization

/// A fixed number of pipelined connections to the primary, opened on first use and reopened
/// after a failure, so Redis coming back (or failing over) needs no restart of Permiso.
///
/// Commands spread over the connections round-robin; each connection pipelines, so a few
/// connections carry many concurrent requests. A connection that fails is forgotten, along
/// with the primary's address (`RedisPrimaryLocator`), and the next command on its slot
/// dials again (at most one dial per slot at a time).
final class RedisConnectionPool: Sendable {
    /// Which connections a command travels on.
    ///
    /// A `WAIT` holds its connection until the replicas confirm or its timeout passes, and
    /// Redis answers a connection's commands in order: a read or a counter pipelined behind
    /// it would wait as long, for the whole timeout while a replica is down. Writes followed
    /// by `WAIT` therefore have connections of their own, and everything else keeps its pace
    /// when replication is slow.
    enum Lane: Sendable {
        case commands
        /// Writes that wait for replicas (`stateStoreReplication`).
        case replicated
    }

    let locator: RedisPrimaryLocator
    private let slots: [Slot]
    private let replicatedSlots: [Slot]
    /// Each lane's own turn: with one counter, a caller alternating a read and a write would
    /// use only every other connection of each lane.
    private let next = Atomic<Int>(0)
    private let nextReplicated = Atomic<Int>(0)

    /// Throws when `rediss://` names a CA file that is not a PEM certificate.
    ///
    /// - Parameter connections: per lane; the replicated lane has connections only when the
    ///   endpoint asks for replication.
    init(endpoint: RedisEndpoint, connections: Int, timeout: TimeAmount, group: any EventLoopGroup) throws {
        let tls = try RedisChannel.tlsContext(for: endpoint)
        let locator = RedisPrimaryLocator(endpoint: endpoint, tls: tls, timeout: timeout, group: group)
        self.locator = locator
        func slots(_ count: Int) -> [Slot] {
            (0..<count).map { _ in Slot(locator: locator, tls: tls, eventLoop: group.next(), timeout: timeout) }
        }
        self.slots = slots(max(1, connections))
        replicatedSlots = endpoint.replication == nil ? [] : slots(max(1, connections))
    }

    func send(_ arguments: [String]) async throws -> RESPValue {
        try await run(on: .commands) { try await $0.send(arguments) }
    }

    /// Sends the commands back to back on one connection of `lane` (see `RedisConnection.send(all:)`).
    func send(all commands: [[String]], on lane: Lane = .commands) async throws -> [RESPValue] {
        try await run(on: lane) { try await $0.send(all: commands) }
    }

    /// Closes every connection; the next commands dial again.
    func close() {
        for slot in slots + replicatedSlots { slot.close() }
    }

    /// Closes the connections to `address` only, so a second `READONLY` from the old
    /// primary does not close fresh connections to the new one.
    func close(to address: RedisAddress) {
        for slot in slots + replicatedSlots { slot.close(to: address) }
    }

    /// Runs `body` on the next connection of `lane`.
    ///
    /// `READONLY` means the server took nothing and is a replica now (a failover demoted it,
    /// or a DNS name still points at the old primary): every connection is closed and the
    /// command tried once more on the primary found afresh. Since the command did not run,
    /// trying it again cannot apply it twice. After any other failure the outcome is unknown
    /// (the command may have run), so the error goes to the caller, which fails closed; the
    /// address is forgotten so the next command finds the primary again.
    private func run<T>(on lane: Lane, _ body: (RedisConnection) async throws -> T) async throws -> T {
        let replicated = lane == .replicated && !replicatedSlots.isEmpty
        let slots = replicated ? replicatedSlots : self.slots
        let index =
            replicated
            ? nextReplicated.wrappingAdd(1, ordering: .relaxed).oldValue : next.wrappingAdd(1, ordering: .relaxed).oldValue
        let slot = slots[(index % slots.count + slots.count) % slots.count]
        let connection = try await slot.connection()
        do {
            return try await body(connection)
        } catch RedisError.server(let message) where message.hasPrefix("READONLY") {
            locator.forget(connection.address)
            close(to: connection.address)
            let fresh = try await slot.connection()
            do {
                return try await body(fresh)
            } catch {
                settle(error, on: fresh, in: slot)
                throw error
            }
        } catch {
            settle(error, on: connection, in: slot)
            throw error
        }
    }

    /// After a failed command: an error reply leaves the connection in step and serving;
    /// anything else loses the connection and the trust in its address.
    private func settle(_ error: any Error, on connection: RedisConnection, in slot: Slot) {
        if case RedisError.server = error { return }
        locator.forget(connection.address)
        slot.close(connection)
    }

    /// One connection's place in the pool.
    private final class Slot: Sendable {
        private enum State {
            case idle
            case connecting(EventLoopFuture<RedisConnection>)
            case ready(RedisConnection)
        }

        private let locator: RedisPrimaryLocator
        private let tls: NIOSSLContext?
        private let eventLoop: any EventLoop
        private let timeout: TimeAmount
        private let state = Mutex(State.idle)

        init(locator: RedisPrimaryLocator, tls: NIOSSLContext?, eventLoop: any EventLoop, timeout: TimeAmount) {
            self.locator = locator
            self.tls = tls
            self.eventLoop = eventLoop
            self.timeout = timeout
        }

        func connection() async throws -> RedisConnection {
            let future: EventLoopFuture<RedisConnection> = state.withLock { state in
                switch state {
                case .ready(let connection) where connection.isActive && locator.isCurrent(connection.address):
                    return eventLoop.makeSucceededFuture(connection)
                case .connecting(let pending):
                    return pending
                case .idle, .ready:
                    // A connection to a master no longer confirmed is retired: the other
                    // lane's dial may have found the new one while this one idled on the old,
                    // which serves reads as a replica would, behind. Commands already sent on
                    // it keep their answers (a write there gets READONLY, which `run` tries
                    // again here): it closes one reply timeout later, when each of them has
                    // been answered or has timed out.
                    if case .ready(let old) = state, old.isActive {
                        eventLoop.scheduleTask(in: timeout) { old.close() }
                    }
                    let dialing = eventLoop.makeFutureWithTask { [locator, tls, eventLoop, timeout] in
                        let address = try await locator.primary()
                        do {
                            let connection = try await RedisConnection.connect(
                                to: address,
                                endpoint: locator.endpoint,
                                tls: tls,
                                on: eventLoop,
                                timeout: timeout
                            )
                            locator.confirm(address)
                            return connection
                        } catch {
                            // Unreachable, or not the master any more: ask the sentinels next time.
                            locator.forget(address)
                            throw error
                        }
                    }
                    state = .connecting(dialing)
                    return dialing
                }
            }
            do {
                let connection = try await future.get()
                state.withLock { state in
                    if case .connecting(let pending) = state, pending === future { state = .ready(connection) }
                }
                return connection
            } catch {
                state.withLock { state in
                    if case .connecting(let pending) = state, pending === future { state = .idle }
                }
                throw error
            }
        }

        /// Closes `connection` if it is still this slot's.
        func close(_ connection: RedisConnection) {
            state.withLock { state in
                if case .ready(let current) = state, current === connection {
                    connection.close()
                    state = .idle
                }
            }
        }

        /// Closes the slot's connection if it reached `address`.
        func close(to address: RedisAddress) {
            state.withLock { state in
                if case .ready(let connection) = state, connection.address == address {
                    connection.close()
                    state = .idle
                }
            }
        }

        func close() {
            state.withLock { state in
                switch state {
                case .ready(let connection): connection.close()
                // A dial under way would hand its connection to its waiters and then be
                // forgotten: close it as it arrives, so a failover leaks no socket.
                case .connecting(let pending): pending.whenSuccess { $0.close() }
                case .idle: break
                }
                state = .idle
            }
        }
    }
}
