import NIOCore
import PermisoTesting
import Testing

@testable import PermisoRedis

@Suite("RESP decoding")
struct RESPDecoderTests {
    private func decode(_ text: String) throws -> RESPValue? {
        var buffer = ByteBuffer(string: text)
        return try RESPDecoder.parse(&buffer, depth: 0)
    }

    @Test("every reply shape")
    func shapes() throws {
        #expect(try decode("+OK\r\n") == .simpleString("OK"))
        #expect(try decode("-ERR wrong\r\n") == .error("ERR wrong"))
        #expect(try decode(":42\r\n") == .integer(42))
        #expect(try decode("$5\r\nhe\r\no\r\n") == .bulkString(ByteBuffer(string: "he\r\no")))
        #expect(try decode("$-1\r\n") == .bulkString(nil))
        #expect(try decode("*2\r\n:1\r\n$1\r\na\r\n") == .array([.integer(1), .bulkString(ByteBuffer(string: "a"))]))
    }

    @Test("an incomplete reply waits for more bytes")
    func incomplete() throws {
        for partial in ["+OK", "$5\r\nhel", "*2\r\n:1\r\n", ":"] {
            #expect(try decode(partial) == nil, "\(partial.debugDescription)")
        }
    }

    @Test("Sizes beyond what Permiso's commands get back are refused before they are buffered")
    func limits() throws {
        #expect(try decode("$\(RESPDecoder.maximumBulkLength)\r\n") == nil, "the largest bulk string waits for its bytes")
        let refused = [
            "$\(RESPDecoder.maximumBulkLength + 1)\r\n", "*\(RESPDecoder.maximumArrayCount + 1)\r\n",
            "+" + String(repeating: "a", count: RESPDecoder.maximumLineLength + 10),
            String(repeating: "*1\r\n", count: RESPDecoder.maximumDepth + 2) + ":1\r\n",
        ]
        for bad in refused {
            #expect(throws: RedisError.self, "\(bad.prefix(30).debugDescription)") { try decode(bad) }
        }
        #expect(try decode("*2\r\n*1\r\n:1\r\n$2\r\nok\r\n") == .array([.array([.integer(1)]), .bulkString(ByteBuffer(string: "ok"))]))
    }

    @Test("garbage is a protocol violation, not a crash or a huge allocation")
    func garbage() {
        for bad in ["?\r\n", ":x\r\n", "$99999999999\r\n", "$-5\r\n", "*-2\r\n", "$1\r\nab\r\n", String(repeating: "*1\r\n", count: 20) + ":1\r\n"] {
            #expect(throws: RedisError.self, "\(bad.debugDescription)") { try decode(bad) }
        }
    }
}
