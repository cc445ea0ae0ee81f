import NIOCore
import Synchronization

/// At most `limit` open connections per process: one more is closed as soon as it opens,
/// so a flood of connections cannot exhaust file descriptors or memory (each connection
/// holds buffers), while the ones already open keep being served.
final class ConnectionLimit: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// The handler each new connection gets.
    func handler() -> Handler { Handler(limit: self) }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        private let limit: ConnectionLimit
        private var counted = false

        init(limit: ConnectionLimit) {
            self.limit = limit
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { admit(context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            admit(context)
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            release()
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            release()
        }

        private func admit(_ context: ChannelHandlerContext) {
            guard !counted else { return }
            counted = true
            if limit.open.wrappingAdd(1, ordering: .relaxed).newValue > limit.limit {
                context.close(promise: nil)
            }
        }

        private func release() {
            guard counted else { return }
            counted = false
            limit.open.wrappingSubtract(1, ordering: .relaxed)
        }
    }
}
