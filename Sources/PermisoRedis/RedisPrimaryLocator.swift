import NIOCore
import NIOSSL
import PermisoCore
import Synchronization

/// Which server takes Permiso's commands now.
///
/// For a single address that is the address itself (its name is looked up again on every
/// connection, so a managed primary behind a DNS name is followed). Behind Sentinel it is
/// the master the sentinels name, asked for with `SENTINEL get-master-addr-by-name` and
/// remembered until a connection to it fails, it answers `READONLY` or turns out not to
/// be a master, or a sentinel announces `+switch-master`; then the sentinels are asked
/// again. This follows the Redis "Sentinel clients" guidelines: ask the sentinels in turn,
/// put the one that answered first next time, and verify the role of what it names.
final class RedisPrimaryLocator: Sendable {
    let endpoint: RedisEndpoint
    let tls: NIOSSLContext?
    private let timeout: TimeAmount
    private let group: any EventLoopGroup
    private let state = Mutex(State())

    private struct State {
        var primary: RedisAddress?
        /// The sentinels, the last one that answered first.
        var sentinels: [RedisAddress] = []
    }

    init(endpoint: RedisEndpoint, tls: NIOSSLContext?, timeout: TimeAmount, group: any EventLoopGroup) {
        self.endpoint = endpoint
        self.tls = tls
        self.timeout = timeout
        self.group = group
        if case .sentinel(let sentinels) = endpoint.servers {
            state.withLock { $0.sentinels = sentinels.addresses }
        }
    }

    /// The sentinels, if the endpoint names any.
    var sentinels: RedisSentinels? {
        if case .sentinel(let sentinels) = endpoint.servers { return sentinels }
        return nil
    }

    /// The address to connect to for the next connection.
    func primary() async throws -> RedisAddress {
        switch endpoint.servers {
        case .single(let address):
            return address
        case .sentinel(let sentinels):
            if let known = state.withLock({ $0.primary }) { return known }
            let address = try await ask(sentinels)
            state.withLock { $0.primary = address }
            return address
        }
    }

    /// Stops trusting `address`: the next connection asks the sentinels again. A no-op when
    /// the sentinels have named another master meanwhile.
    func forget(_ address: RedisAddress) {
        state.withLock { state in
            if state.primary == address { state.primary = nil }
        }
    }

    /// Takes the master a `+switch-master` announcement names.
    func learn(_ address: RedisAddress) {
        state.withLock { $0.primary = address }
    }

    /// The sentinels in the order to try them.
    var sentinelOrder: [RedisAddress] {
        state.withLock { $0.sentinels }
    }

    /// Moves `address` to the front, so the next question goes to a sentinel that answers.
    func prefer(_ address: RedisAddress) {
        state.withLock { state in
            guard let index = state.sentinels.firstIndex(of: address), index > 0 else { return }
            state.sentinels.remove(at: index)
            state.sentinels.insert(address, at: 0)
        }
    }

    /// Asks each sentinel in turn for the master's address. Throws `.noSentinel` naming
    /// every sentinel and what went wrong with it when none answers with an address.
    func ask(_ sentinels: RedisSentinels) async throws -> RedisAddress {
        var problems: [String] = []
        for address in sentinelOrder {
            do {
                let connection = try await RedisConnection.connect(
                    toSentinel: address,
                    sentinels: sentinels,
                    tls: tls,
                    on: group.next(),
                    timeout: timeout
                )
                defer { connection.close() }
                let reply = try await connection.send(["SENTINEL", "get-master-addr-by-name", sentinels.masterName])
                guard case .array(let parts?) = reply else {
                    problems.append("\(address) does not know the master \(sentinels.masterName)")
                    continue
                }
                guard parts.count == 2, let host = parts[0].string, let portText = parts[1].string, let port = Int(portText),
                    (1...65_535).contains(port)
                else {
                    problems.append("\(address) answered with no address")
                    continue
                }
                prefer(address)
                return RedisAddress(host: host, port: port)
            } catch {
                problems.append("\(address): \(error)")
            }
        }
        throw RedisError.noSentinel(problems)
    }
}
