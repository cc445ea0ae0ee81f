public import NIOCore

/// One reply in the Redis serialization protocol (RESP2), the only shapes Permiso's
/// commands produce: status, error, integer, bulk string (or nil) and array.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    case bulkString(ByteBuffer?)
    case array([RESPValue]?)

    /// The reply as text, for `GET` and friends; `nil` for a nil reply.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let buffer?): String(buffer: buffer)
        case .integer(let value): String(value)
        default: nil
        }
    }

    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }
}

extension ByteBuffer {
    /// Writes one command as a RESP array of bulk strings, the form Redis reads from clients.
    mutating func writeRedisCommand(_ arguments: [String]) {
        writeStaticString("*")
        writeString(String(arguments.count))
        writeStaticString("\r\n")
        for argument in arguments {
            writeStaticString("$")
            writeString(String(argument.utf8.count))
            writeStaticString("\r\n")
            writeString(argument)
            writeStaticString("\r\n")
        }
    }
}
