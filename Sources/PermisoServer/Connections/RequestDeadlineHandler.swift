import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose next request does not arrive whole, head and body, within
/// `deadline` of the connection opening or of the previous response.
///
/// A slow client (slowloris: a header line every few seconds, or a body a byte at a time)
/// would otherwise hold its connection, and the memory behind it, for as long as it keeps
/// trickling; an idle timeout alone never fires while bytes keep coming. The clock stops
/// only while a whole request waits for its answer, so a slow answer is never cut off; it
/// runs while a request is arriving and while none is unanswered. A connection that simply
/// goes quiet is closed the same way, so this is the connection's idle timeout as well,
/// including after an answer given before its request's body arrived (a 404 to a `POST`,
/// say), whose late body must not stop the clock for good.
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
    /// Requests whose head arrived and whose answer has not ended.
    private var unanswered = 0
    /// A request's head arrived and its end has not.
    private var reading = false
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
        switch unwrapInboundIn(data) {
        case .head:
            reading = true
            unanswered += 1
            settle(restart: false)
        case .body: break
        case .end:
            // Whole: if it is still unanswered, Permiso is answering, and that takes the time it takes.
            reading = false
            settle(restart: false)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            answered()
        }
        context.write(data, promise: promise)
    }

    /// An answer ended, here or beneath this handler (`PreparedDocuments` answers requests
    /// this handler never sees): once nothing is unanswered or arriving, the next request has
    /// `deadline` from now.
    func answered() {
        settle(restart: unanswered == 0 && !reading)
    }

    /// Runs the clock while a request is arriving or none is unanswered, and stops it while
    /// whole requests wait for their answers.
    private func settle(restart: Bool) {
        if reading || unanswered == 0 {
            if restart || waitingSince == nil { waitingSince = .now() }
        } else {
            waitingSince = nil
        }
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
