import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose next request does not arrive whole, head and body, within
/// `deadline` of the connection opening or of the previous response.
///
/// A slow client (slowloris: a header line every few seconds, or a body a byte at a time)
/// would otherwise hold its connection, and the memory behind it, for as long as it keeps
/// trickling; an idle timeout alone never fires while bytes keep coming. The clock stops
/// only while a whole request waits for its answer, so a slow answer is never cut off (a
/// request trickling in behind it is timed once it is answered), and runs otherwise. A
/// connection that goes quiet is closed the same way, so this is its idle timeout as well:
/// also after an answer given before its request's body arrived (a 404 to a `POST`, say),
/// and after the output closed (`Connection: close`) on requests that will never be
/// answered.
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
    /// The output is closed (after `Connection: close`): nothing more will be answered.
    private var outputClosed = false
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
            // After the output closed, no answer will come: the request is not waited for.
            if !outputClosed { unanswered += 1 }
            settle(restart: false)
        case .body: break
        case .end:
            // Whole: if it is still unanswered, Permiso is answering, and that takes the time
            // it takes; if it was answered early, the connection is idle from now.
            reading = false
            settle(restart: unanswered == 0)
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

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Hummingbird half-closes after answering `Connection: close`: whatever the client
        // sends after it is never answered, so nothing is unanswered any more.
        if mode == .output {
            outputClosed = true
            unanswered = 0
            settle(restart: true)
        }
        context.close(mode: mode, promise: promise)
    }

    /// An answer ended, here or beneath this handler (`PreparedDocuments` answers requests
    /// this handler never sees): once nothing is unanswered or arriving, the next request has
    /// `deadline` from now.
    func answered() {
        settle(restart: unanswered == 0 && !reading)
    }

    /// Stops the clock while a whole request waits for its answer, so no answer is cut
    /// short, and runs it otherwise: while nothing is unanswered, or only the request that is
    /// still arriving.
    private func settle(restart: Bool) {
        if unanswered - (reading ? 1 : 0) > 0 {
            waitingSince = nil
        } else if restart || waitingSince == nil {
            waitingSince = .now()
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
