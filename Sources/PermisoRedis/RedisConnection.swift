import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PermisoCore

/// One TCP connection to Redis, shared by every caller: commands pipeline over it.
final class RedisConnection: Sendable {
    let channel: any Channel
    private let timeout: TimeAmount

    private init(channel: any Channel, timeout: TimeAmount) {
        self.channel = channel
        self.timeout = timeout
    }

    var isActive: Bool { channel.isActive }

    /// Connects (through TLS when `tls` is given), authenticates, selects the database and
    /// checks that the server never evicts keys, all within `timeout`. Every connection
    /// checks, so a server reconfigured (or failed over to one) that may evict is refused
    /// when Permiso reconnects.
    static func connect(
        to endpoint: RedisEndpoint,
        tls: NIOSSLContext?,
        on eventLoop: any EventLoop,
        timeout: TimeAmount
    ) async throws -> RedisConnection {
        let channel = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI carries names only; for an IP address NIOSSL checks the certificate against the address.
                        let name = endpoint.host.isIPAddress ? nil : endpoint.host
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .get()
        let connection = RedisConnection(channel: channel, timeout: timeout)
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
        } catch {
            connection.close()
            throw error
        }
        return connection
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

    /// `maxmemory_policy` from an `INFO memory` reply; `nil` when the server does not say.
    static func evictionPolicy(in info: String) -> String? {
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("maxmemory_policy:") {
            return String(line.dropFirst("maxmemory_policy:".count)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

extension String {
    fileprivate var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
