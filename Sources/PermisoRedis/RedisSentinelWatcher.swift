import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PermisoCore

/// Listens to the sentinels' `+switch-master` announcements (Sentinel's pub/sub channel),
/// so a failover is followed the moment it is decided instead of on the first failed
/// command: the new master is taken and every pool connection is closed, including those
/// to an old master that is still up but about to be demoted.
///
/// One subscription at a time, to the sentinel that answered last; when it ends the next
/// sentinel is tried, and after a round with none reachable it waits a second. A
/// subscription only ever reads, so a sentinel that froze or a link that dropped without a
/// reset would hold it silent forever: it sends `PING` every `keepalive` (allowed while
/// subscribed) and ends when nothing, not even the pong, arrives for three of them. An
/// announcement made while no subscription was open would be lost to the next one, so each
/// new subscription asks the sentinels once which master they name and, when it is another,
/// forgets the one it knew. Anything still missed costs only speed: `READONLY` and
/// connection errors send the pool back to the sentinels.
struct RedisSentinelWatcher: Sendable {
    let sentinels: RedisSentinels
    let locator: RedisPrimaryLocator
    let tls: NIOSSLContext?
    let timeout: TimeAmount
    let group: any EventLoopGroup
    let logger: Logger
    /// How often a quiet subscription asks whether its sentinel is still there.
    var keepalive: TimeAmount = .seconds(1)
    /// Called after a new master was learnt.
    let switched: @Sendable () -> Void

    /// Runs until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            for address in locator.sentinelOrder {
                do {
                    try await subscribe(at: address)
                } catch {
                    logger.debug("sentinel subscription ended", metadata: ["sentinel": "\(address)", "problem": "\(error)"])
                }
                if Task.isCancelled { return }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func subscribe(at address: RedisAddress) async throws {
        let channel = try await RedisChannel.bootstrap(address: address, tls: tls, on: group.next(), timeout: timeout) { [keepalive] channel in
            try channel.pipeline.syncOperations.addHandlers(IdleStateHandler(readTimeout: keepalive * 3), CloseWhenReadIdle())
        }
        .connect(host: address.host, port: address.port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<RESPValue, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        try await channel.executeThenClose { inbound, outbound in
            var replies = inbound.makeAsyncIterator()
            func command(_ arguments: [String]) async throws {
                var bytes = ByteBuffer()
                bytes.writeRedisCommand(arguments)
                try await outbound.write(bytes)
            }
            if let password = sentinels.password {
                try await command(sentinels.username.map { ["AUTH", $0, password] } ?? ["AUTH", password])
                if case .error(let message) = try await replies.next() {
                    throw RedisError.server(message)
                }
            }
            try await command(["SUBSCRIBE", "+switch-master"])
            guard case .array(let confirmation?) = try await replies.next(), confirmation.first?.string == "subscribe" else {
                throw RedisError.unexpectedReply("expected the SUBSCRIBE confirmation")
            }
            locator.prefer(address)
            // Subscribed first, then asked: a switch after the answer arrives as a message. A
            // different answer is not taken as an announcement (one sentinel may lag the
            // others): the master is forgotten, and the next command asks and checks its role.
            if let known = locator.known, let (master, _) = try? await locator.ask(sentinels), master != known {
                logger.notice("sentinels name another master", metadata: ["sentinel": "\(address)", "master": "\(master)"])
                locator.forget(known)
                switched()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [keepalive] in
                    while true {
                        try await Task.sleep(for: .nanoseconds(keepalive.nanoseconds))
                        try await command(["PING"])
                    }
                }
                while let message = try await replies.next() {
                    guard let master = Self.switchedMaster(in: message, named: sentinels.masterName) else { continue }
                    logger.notice("sentinel announced a new master", metadata: ["sentinel": "\(address)", "master": "\(master)"])
                    locator.learn(master)
                    switched()
                }
                group.cancelAll()
            }
        }
    }

    /// The new master's address from a `+switch-master` message about `name`:
    /// `["message", "+switch-master", "<name> <old-ip> <old-port> <new-ip> <new-port>"]`.
    static func switchedMaster(in message: RESPValue, named name: String) -> RedisAddress? {
        guard case .array(let parts?) = message, parts.count == 3, parts[0].string == "message",
            parts[1].string == "+switch-master", let payload = parts[2].string
        else { return nil }
        let fields = payload.split(separator: " ")
        guard fields.count == 5, fields[0] == name, let port = Int(fields[4]), (1...65_535).contains(port) else { return nil }
        return RedisAddress(host: String(fields[3]), port: port)
    }
}

/// Closes a subscription that has heard nothing for the `IdleStateHandler`'s read timeout.
private final class CloseWhenReadIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = RESPValue

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .read? = event as? IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
