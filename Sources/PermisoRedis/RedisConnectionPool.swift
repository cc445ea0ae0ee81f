import NIOCore
import NIOPosix
import NIOSSL
import PermisoCore
import Synchronization

/// A fixed number of pipelined connections, opened on first use and reopened after a
/// failure, so Redis coming back needs no restart of Permiso.
///
/// Commands spread over the connections round-robin; each connection pipelines, so a few
/// connections carry many concurrent requests. A connection that fails is forgotten and
/// the next command on its slot dials again (at most one dial per slot at a time).
final class RedisConnectionPool: Sendable {
    private let slots: [Slot]
    private let next = Atomic<Int>(0)

    /// Throws when `rediss://` names a CA file that is not a PEM certificate.
    init(endpoint: RedisEndpoint, connections: Int, timeout: TimeAmount, group: any EventLoopGroup) throws {
        var tls: NIOSSLContext?
        if endpoint.usesTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile = endpoint.caFile { configuration.additionalTrustRoots = [.file(caFile)] }
            tls = try NIOSSLContext(configuration: configuration)
        }
        slots = (0..<max(1, connections)).map { _ in
            Slot(endpoint: endpoint, tls: tls, eventLoop: group.next(), timeout: timeout)
        }
    }

    func send(_ arguments: [String]) async throws -> RESPValue {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        let slot = slots[(index % slots.count + slots.count) % slots.count]
        return try await slot.connection().send(arguments)
    }

    func close() {
        for slot in slots { slot.close() }
    }

    /// One connection's place in the pool.
    private final class Slot: Sendable {
        private enum State {
            case idle
            case connecting(EventLoopFuture<RedisConnection>)
            case ready(RedisConnection)
        }

        private let endpoint: RedisEndpoint
        private let tls: NIOSSLContext?
        private let eventLoop: any EventLoop
        private let timeout: TimeAmount
        private let state = Mutex(State.idle)

        init(endpoint: RedisEndpoint, tls: NIOSSLContext?, eventLoop: any EventLoop, timeout: TimeAmount) {
            self.endpoint = endpoint
            self.tls = tls
            self.eventLoop = eventLoop
            self.timeout = timeout
        }

        func connection() async throws -> RedisConnection {
            let future: EventLoopFuture<RedisConnection> = state.withLock { state in
                switch state {
                case .ready(let connection) where connection.isActive:
                    return eventLoop.makeSucceededFuture(connection)
                case .connecting(let pending):
                    return pending
                case .idle, .ready:
                    let dialing = eventLoop.makeFutureWithTask { [endpoint, tls, eventLoop, timeout] in
                        try await RedisConnection.connect(to: endpoint, tls: tls, on: eventLoop, timeout: timeout)
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

        func close() {
            state.withLock { state in
                if case .ready(let connection) = state { connection.close() }
                state = .idle
            }
        }
    }
}
