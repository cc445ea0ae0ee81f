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
///
/// Two orderings matter under faults. A sentinel whose answer was forgotten goes to the
/// back: one cut off from its peers keeps naming the old master, and asked first every
/// time it would keep Permiso there. And an answer never replaces a master announced
/// while the question was out: the announcement is the newer news.
final class RedisPrimaryLocator: Sendable {
    let endpoint: RedisEndpoint
    let tls: NIOSSLContext?
    private let timeout: TimeAmount
    private let group: any EventLoopGroup
    private let state = Mutex(State())

    private struct State {
        var primary: RedisAddress?
        /// The last master a connection's role check or an announcement vouched for.
        var confirmed: RedisAddress?
        /// The sentinel that named `primary`, when a question (not an announcement) did.
        var namedBy: RedisAddress?
        /// Counts announcements taken, so an answer can tell whether one came while it was asked for.
        var announcements = 0
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
            let (known, announcements) = state.withLock { ($0.primary, $0.announcements) }
            if let known { return known }
            let (address, sentinel) = try await ask(sentinels)
            return state.withLock { state in
                guard state.announcements == announcements else { return state.primary ?? address }
                state.primary = address
                state.namedBy = sentinel
                return address
            }
        }
    }

    /// The master last named, asked for or announced; `nil` before the first question and
    /// after `forget`.
    var known: RedisAddress? { state.withLock { $0.primary } }

    /// A connection to `address` passed its role check (`RedisConnection.connect`): it is
    /// the master now, as far as anyone can tell. Unless an announcement named another one
    /// while that connection was being made: the announcement is newer.
    func confirm(_ address: RedisAddress) {
        state.withLock { state in
            guard state.primary == nil || state.primary == address else { return }
            state.primary = address
            state.confirmed = address
        }
    }

    /// Whether a connection to `address` may still be used: not once another master was
    /// confirmed (another connection's role check, or an announcement), since the old one is
    /// a replica now or soon, serving stale reads. A sentinel's answer alone does not count:
    /// a stale sentinel may name a replica, whose role check then fails.
    func isCurrent(_ address: RedisAddress) -> Bool {
        state.withLock { state in state.confirmed.map { $0 == address } ?? true }
    }

    /// Stops trusting `address`: the next connection asks the sentinels again, the one that
    /// named it last. A no-op when the sentinels have named another master meanwhile.
    func forget(_ address: RedisAddress) {
        state.withLock { state in
            // `confirmed` stays: a failed connection to the new master says nothing good of
            // the old one, whose connections must not come back into use.
            guard state.primary == address else { return }
            state.primary = nil
            if let sentinel = state.namedBy, let index = state.sentinels.firstIndex(of: sentinel) {
                state.sentinels.remove(at: index)
                state.sentinels.append(sentinel)
            }
            state.namedBy = nil
        }
    }

    /// Takes the master a `+switch-master` announcement names.
    func learn(_ address: RedisAddress) {
        state.withLock { state in
            state.primary = address
            state.confirmed = address
            state.namedBy = nil
            state.announcements += 1
        }
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

    /// Asks each sentinel in turn for the master's address; returns it and the sentinel that
    /// named it. Throws `.noSentinel` naming every sentinel and what went wrong with it when
    /// none answers with an address.
    func ask(_ sentinels: RedisSentinels) async throws -> (master: RedisAddress, sentinel: RedisAddress) {
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
                return (RedisAddress(host: host, port: port), address)
            } catch {
                problems.append("\(address): \(error)")
            }
        }
        throw RedisError.noSentinel(problems)
    }
}
