import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import PermisoServer

/// The request deadline, which is also the connection's idle timeout: it runs while a request
/// arrives and while nothing is unanswered, and stops only while whole requests wait for
/// their answers.
@Suite("Request deadline and idle timeout")
struct RequestDeadlineHandlerTests {
    /// Long enough that a loaded machine's pauses between the steps below stay well inside it.
    let deadline = TimeAmount.milliseconds(400)

    /// Takes a half-close as a socket does, keeping the input open (an embedded channel would
    /// close altogether).
    final class HalfClose: ChannelOutboundHandler {
        typealias OutboundIn = NIOAny

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            guard mode == .output else { return context.close(mode: mode, promise: promise) }
            promise?.succeed()
        }
    }

    func connection() throws -> (EmbeddedChannel, RequestDeadlineHandler) {
        let handler = RequestDeadlineHandler(deadline: deadline)
        let channel = EmbeddedChannel(handlers: [HalfClose(), handler])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, handler)
    }

    /// A deadline and a little more passes, and the check runs: the handler reads the real
    /// clock, the embedded loop runs its repeating check.
    func elapse(_ channel: EmbeddedChannel, milliseconds: Int = 450) {
        usleep(useconds_t(milliseconds * 1_000))
        channel.embeddedEventLoop.advanceTime(by: deadline)
    }

    func head(_ channel: EmbeddedChannel) throws {
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: "http", authority: "id", path: "/x")))
    }

    func end(_ channel: EmbeddedChannel) throws { try channel.writeInbound(HTTPRequestPart.end(nil)) }

    func answer(_ channel: EmbeddedChannel) throws { try channel.writeOutbound(HTTPResponsePart.end(nil)) }

    @Test("A connection that sends nothing is closed")
    func idle() throws {
        let (channel, _) = try connection()
        elapse(channel)
        #expect(!channel.isActive)
    }

    @Test("A whole request being answered is never cut off; once answered, the connection is idle again")
    func answering() throws {
        let (channel, _) = try connection()
        try head(channel)
        try end(channel)
        elapse(channel)
        #expect(channel.isActive, "the answer takes the time it takes")
        try answer(channel)
        elapse(channel)
        #expect(!channel.isActive)
    }

    @Test("An answer given before its request's body arrived: the late body does not stop the clock for good")
    func lateBody() throws {
        let (channel, _) = try connection()
        try head(channel)
        try answer(channel)
        try end(channel)
        elapse(channel)
        #expect(!channel.isActive, "nothing is unanswered: the connection is idle")
    }

    @Test("A pipelined request is not cut off when the one before it is answered")
    func pipelined() throws {
        let (channel, _) = try connection()
        for _ in 0..<2 {
            try head(channel)
            try end(channel)
        }
        try answer(channel)
        elapse(channel)
        #expect(channel.isActive, "the second request is still being answered")
        try answer(channel)
        elapse(channel)
        #expect(!channel.isActive)
    }

    @Test("Answers given beneath the handler keep a busy connection open, and only those")
    func answeredBeneath() throws {
        let (channel, handler) = try connection()
        for _ in 0..<3 {
            elapse(channel, milliseconds: 150)
            handler.answered()
        }
        #expect(channel.isActive, "450 ms of answers every 150 ms, under a 400 ms deadline")
        elapse(channel)
        #expect(!channel.isActive)
    }

    @Test("A request trickling in is held to the deadline from the last answer")
    func trickling() throws {
        let (channel, _) = try connection()
        try head(channel)
        elapse(channel)
        #expect(!channel.isActive, "its head arrived, its end never did")
    }

    @Test("A slow answer is not cut short by a request trickling in behind it; that one is timed once the answer is out")
    func tricklingBehind() throws {
        let (channel, _) = try connection()
        try head(channel)
        try end(channel)
        try head(channel)
        elapse(channel)
        #expect(channel.isActive, "the first answer takes the time it takes")
        try answer(channel)
        elapse(channel)
        #expect(!channel.isActive, "the second request never arrived whole")
    }

    @Test("After the output closed (Connection: close), a request that will never be answered does not hold the connection")
    func afterOutputClosed() throws {
        let (channel, _) = try connection()
        try head(channel)
        try end(channel)
        try answer(channel)
        channel.close(mode: .output, promise: nil)
        try head(channel)
        try end(channel)
        #expect(channel.isActive, "the input is still open")
        elapse(channel)
        #expect(!channel.isActive)
    }
}
