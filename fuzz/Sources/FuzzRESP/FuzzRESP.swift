import FuzzSupport
import NIOCore

@testable import PermisoRedis

/// The RESP decoder on any bytes from a Redis server or whatever answers in its place:
/// replies are read the same whole or split across reads at every point, each value
/// decoded consumes input, and errors end the connection rather than the process.
@main
enum FuzzRESP {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let split = Int(input.byte())
    let bytes = input.rest()

    // Whole: every reply until the input runs out or breaks the protocol.
    var whole = ByteBuffer(bytes: bytes)
    var replies: [RESPValue] = []
    var failed = false
    while whole.readableBytes > 0 {
        let before = whole.readerIndex
        do {
            guard let value = try RESPDecoder.parse(&whole, depth: 0) else { break }
            fuzzAssert(whole.readerIndex > before, "a reply consumed no input")
            replies.append(value)
        } catch {
            failed = true
            break
        }
    }

    // Split: the same bytes in two reads, through the decoder as the channel drives it.
    var decoder = RESPDecoder()
    var buffer = ByteBuffer(bytes: bytes.prefix(min(split, bytes.count)))
    var again: [RESPValue] = []
    var failedAgain = false
    func drain() {
        while !failedAgain {
            do {
                guard let value = try decoder.decode(buffer: &buffer) else { return }
                again.append(value)
            } catch {
                failedAgain = true
            }
        }
    }
    drain()
    buffer.writeBytes(bytes.dropFirst(min(split, bytes.count)))
    drain()
    if !failed && !failedAgain {
        fuzzAssert(again == replies, "split reads decoded \(again), whole \(replies)")
    }
    return 0
}
