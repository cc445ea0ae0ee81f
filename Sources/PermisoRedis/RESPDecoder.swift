import NIOCore

/// Reads RESP2 replies off the wire, one whole reply at a time.
///
/// A reply split across reads is left in the buffer until the rest arrives. Sizes and
/// nesting are bounded by what Permiso's own commands get back, so a broken or hostile peer
/// cannot make a connection buffer or allocate more than about a megabyte: the largest
/// values are device-grant records and `INFO memory` (a few KiB), arrays come only from
/// the few replies that have them, and nothing Permiso sends returns nested arrays.
struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// A bulk string: far above any value Permiso stores (Redis itself allows 512 MiB).
    static let maximumBulkLength = 1024 * 1024
    /// A status, error or length line, waited for until its CRLF.
    static let maximumLineLength = 64 * 1024
    static let maximumArrayCount = 64
    static let maximumDepth = 4

    mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        var view = buffer
        guard let value = try Self.parse(&view, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: view.readerIndex)
        return value
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try decode(buffer: &buffer)
    }

    /// Parses one value from `buffer`, or returns `nil` (having moved nothing that matters:
    /// the caller works on a copy) when the value is not complete yet.
    static func parse(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth <= maximumDepth else { throw RedisError.protocolViolation("replies nested too deeply") }
        guard let marker = buffer.readInteger(as: UInt8.self), let line = try readLine(&buffer) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            return .simpleString(line)
        case UInt8(ascii: "-"):
            return .error(line)
        case UInt8(ascii: ":"):
            guard let value = Int(line) else { throw RedisError.protocolViolation("integer reply \(line.prefix(20))") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1, length <= maximumBulkLength else {
                throw RedisError.protocolViolation("bulk length \(line.prefix(20))")
            }
            if length == -1 { return .bulkString(nil) }
            guard buffer.readableBytes >= length + 2, let bytes = buffer.readSlice(length: length) else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw RedisError.protocolViolation("bulk string not ended by CRLF")
            }
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1, count <= maximumArrayCount else {
                throw RedisError.protocolViolation("array length \(line.prefix(20))")
            }
            if count == -1 { return .array(nil) }
            var elements: [RESPValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                guard let element = try parse(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw RedisError.protocolViolation("unknown reply type \(marker)")
        }
    }

    /// The text up to the next CRLF, consuming both; `nil` until a CRLF has arrived, and an
    /// error when none comes within `maximumLineLength`.
    private static func readLine(_ buffer: inout ByteBuffer) throws -> String? {
        let view = buffer.readableBytesView
        guard let carriageReturn = view.prefix(maximumLineLength + 1).firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > maximumLineLength { throw RedisError.protocolViolation("a line longer than \(maximumLineLength) bytes") }
            return nil
        }
        let length = carriageReturn - view.startIndex
        guard buffer.readableBytes >= length + 2 else { return nil }
        let line = buffer.readString(length: length)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}
