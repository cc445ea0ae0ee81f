import NIOCore
import NIOPosix
import PermisoCore
import Synchronization

/// A sentinel that answers every command with one master's address, after `delay`: one
/// cut off from its peers that still names the old master, or a slow one. It counts the
/// commands it was sent.
final class FakeSentinel: Sendable {
    let port: Int
    private let channel: any Channel
    private let counter: Counter

    var questions: Int { counter.value.load(ordering: .relaxed) }

    private init(port: Int, channel: any Channel, counter: Counter) {
        self.port = port
        self.channel = channel
        self.counter = counter
    }

    static func start(naming master: RedisAddress, delay: TimeAmount = .zero) async throws -> FakeSentinel {
        let counter = Counter()
        let port = String(master.port)
        let reply = "*2\r\n$\(master.host.utf8.count)\r\n\(master.host)\r\n$\(port.utf8.count)\r\n\(port)\r\n"
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Answer(reply: reply, delay: delay, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return FakeSentinel(port: channel.localAddress?.port ?? 0, channel: channel, counter: counter)
    }

    func close() {
        channel.close(promise: nil)
    }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// One reply per read: each of Permiso's questions is one small write.
    private final class Answer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let reply: String
        let delay: TimeAmount
        let counter: Counter

        init(reply: String, delay: TimeAmount, counter: Counter) {
            self.reply = reply
            self.delay = delay
            self.counter = counter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            counter.value.add(1, ordering: .relaxed)
            let bytes = ByteBuffer(string: reply)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: delay) {
                bound.value.writeAndFlush(NIOAny(bytes), promise: nil)
            }
        }
    }
}
