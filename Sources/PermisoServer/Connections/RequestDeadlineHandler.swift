import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose next request does not arrive whole, head and body, within
/// `deadline` of the connection opening or of the previous response.
///
/// A slow client (slowloris: a header line every few seconds, or a body a byte at a time)
/// would otherwise hold its connection, and the memory behind it, for as long as it keeps
/// trickling; an idle timeout alone never fires while bytes keep coming. The clock stops
/// while Permiso answers, so a slow answer is never cut off. A connection that simply goes
/// quiet is closed the same way, so this is the connection's idle timeout as well.
///
/// One repeating check per connection, every half deadline, reads when the wait began; a
/// request costs two clock readings, not a timer of its own. A connection is therefore
/// closed between one and one and a half deadlines after it stalls.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let deadline: TimeAmount
    /// When the wait for the next whole request began; `nil` while Permiso answers.
    private var waitingSince: NIODeadline?
    private var check: RepeatedTask?

    init(deadline: TimeAmount) {
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The request is whole: Permiso is answering now, and that takes the time it takes.
        if case .end = unwrapInboundIn(data) { waitingSince = nil }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The answer is out: the next request has `deadline` to arrive.
        if case .end = unwrapOutboundIn(data) { waitingSince = .now() }
        context.write(data, promise: promise)
    }

    /// A request answered beneath this handler (`PreparedDocuments`), which it never saw:
    /// the next request has `deadline` from now, as after any answer.
    func answered() {
        waitingSince = .now()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard check == nil else { return }
        waitingSince = .now()
        let channel = context.channel
        let interval = TimeAmount.nanoseconds(max(1, deadline.nanoseconds / 2))
        let limit = deadline
        // The handler lives on the channel's event loop, and so does this task.
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            if let since = handler.value.waitingSince, NIODeadline.now() - since >= limit {
                channel.close(promise: nil)
            }
        }
    }

    private func stop() {
        check?.cancel()
        check = nil
    }
}
