import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PermisoCore

/// One TCP connection to Redis, shared by every caller: commands pipeline over it.
final class RedisConnection: Sendable {
    let channel: any Channel
    /// The server this connection reached; a failure on it tells the locator which
    /// address to stop trusting.
    let address: RedisAddress
    private let timeout: TimeAmount

    private init(channel: any Channel, address: RedisAddress, timeout: TimeAmount) {
        self.channel = channel
        self.address = address
        self.timeout = timeout
    }

    var isActive: Bool { channel.isActive }

    /// Connects to the primary at `address` (through TLS when `tls` is given),
    /// authenticates, selects the database, and checks two things before any command of
    /// Permiso's runs on it, all within `timeout`:
    ///
    /// - the server never evicts keys, so one reconfigured (or failed over to) that may evict
    ///   is refused when Permiso reconnects;
    /// - the server is a master (`ROLE`, or `INFO replication` where `ROLE` is renamed or
    ///   denied): a replica would take reads with stale answers (a revocation it has not
    ///   received yet) and refuse writes.
    static func connect(
        to address: RedisAddress,
        endpoint: RedisEndpoint,
        tls: NIOSSLContext?,
        on eventLoop: any EventLoop,
        timeout: TimeAmount
    ) async throws -> RedisConnection {
        let channel = try await RedisChannel.bootstrap(address: address, tls: tls, on: eventLoop, timeout: timeout) { channel in
            try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
        }
        .connect(host: address.host, port: address.port)
        .get()
        let connection = RedisConnection(channel: channel, address: address, timeout: timeout)
        do {
            if let password = endpoint.password {
                let arguments = endpoint.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
                _ = try await connection.send(arguments)
            }
            if endpoint.database != 0 {
                _ = try await connection.send(["SELECT", String(endpoint.database)])
            }
            if let policy = try await connection.send(["INFO", "memory"]).string.flatMap(Self.evictionPolicy(in:)),
                policy != "noeviction"
            {
                throw RedisError.evictionPolicy(policy)
            }
            let role: String?
            do {
                role = Self.role(in: try await connection.send(["ROLE"]))
            } catch RedisError.server {
                // ROLE renamed, or denied by an ACL: INFO replication says the same. A server
                // that answers neither is not trusted with reads that must not be stale.
                role = try await connection.send(["INFO", "replication"]).string.flatMap(Self.replicationRole(in:))
            }
            guard role == "master" else {
                throw RedisError.notPrimary(address: address, role: role ?? "server that does not say its role")
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Connects to a sentinel at `address` and logs in with the sentinels' credentials.
    static func connect(
        toSentinel address: RedisAddress,
        sentinels: RedisSentinels,
        tls: NIOSSLContext?,
        on eventLoop: any EventLoop,
        timeout: TimeAmount
    ) async throws -> RedisConnection {
        let channel = try await RedisChannel.bootstrap(address: address, tls: tls, on: eventLoop, timeout: timeout) { channel in
            try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
        }
        .connect(host: address.host, port: address.port)
        .get()
        let connection = RedisConnection(channel: channel, address: address, timeout: timeout)
        if let password = sentinels.password {
            do {
                _ = try await connection.send(sentinels.username.map { ["AUTH", $0, password] } ?? ["AUTH", password])
            } catch {
                connection.close()
                throw error
            }
        }
        return connection
    }

    /// The first element of a `ROLE` reply: `master`, `slave` or `sentinel`.
    static func role(in reply: RESPValue) -> String? {
        guard case .array(let elements?) = reply, let first = elements.first else { return nil }
        return first.string
    }

    /// Sends several commands in one write and waits for all their replies, in order. They
    /// go out back to back on this one connection, which `WAIT` needs: it counts the
    /// replicas that hold every earlier write of the connection it is sent on. An error
    /// reply to any of them throws `.server`.
    func send(all commands: [[String]]) async throws -> [RESPValue] {
        let replies = commands.map { _ in channel.eventLoop.makePromise(of: RESPValue.self) }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { [channel] in
            for reply in replies { reply.fail(RedisError.timeout) }
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        for (arguments, reply) in zip(commands, replies) {
            var bytes = channel.allocator.buffer(capacity: 64)
            bytes.writeRedisCommand(arguments)
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure { _ in reply.fail(RedisError.connectionClosed) }
            channel.write(RedisRequest(bytes: bytes, reply: reply), promise: written)
        }
        channel.flush()
        var values: [RESPValue] = []
        for reply in replies {
            let value = try await reply.futureResult.get()
            if case .error(let message) = value { throw RedisError.server(message) }
            values.append(value)
        }
        return values
    }

    /// Sends one command and waits for its reply. An error reply throws `.server`; no
    /// reply within the timeout throws `.timeout` and closes the connection, because a
    /// reply arriving later would be taken for the next command's.
    func send(_ arguments: [String]) async throws -> RESPValue {
        var bytes = channel.allocator.buffer(capacity: 64)
        bytes.writeRedisCommand(arguments)
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { [channel] in
            reply.fail(RedisError.timeout)
            channel.close(promise: nil)
        }
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { _ in reply.fail(RedisError.connectionClosed) }
        channel.writeAndFlush(RedisRequest(bytes: bytes, reply: reply), promise: written)
        defer { deadline.cancel() }
        let value = try await reply.futureResult.get()
        if case .error(let message) = value { throw RedisError.server(message) }
        return value
    }

    func close() {
        channel.close(promise: nil)
    }

    /// `role` from an `INFO replication` reply: `master` or `slave`.
    static func replicationRole(in info: String) -> String? {
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("role:") {
            return String(line.dropFirst("role:".count)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// `maxmemory_policy` from an `INFO memory` reply; `nil` when the server does not say.
    static func evictionPolicy(in info: String) -> String? {
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("maxmemory_policy:") {
            return String(line.dropFirst("maxmemory_policy:".count)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
