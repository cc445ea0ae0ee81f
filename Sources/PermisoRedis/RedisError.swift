/// Why a Redis command did not give an answer. Callers treat every case alike (the
/// state store is unavailable, fail closed); the cases exist for the log line.
public enum RedisError: Error, Equatable, CustomStringConvertible {
    /// Redis answered with an error reply (`WRONGTYPE`, `NOAUTH`, `OOM` …).
    case server(String)
    /// The connection closed before the answer came.
    case connectionClosed
    /// No answer within the command timeout; the connection is dropped, since later
    /// replies on it would no longer line up with their commands.
    case timeout
    /// The bytes were not RESP.
    case protocolViolation(String)
    /// A reply of a shape the command never returns.
    case unexpectedReply(String)
    /// The server may evict keys (`maxmemory-policy` is not `noeviction`): it could drop a
    /// single-use marker or a revocation and make a code redeemable again, so Permiso does
    /// not use it.
    case evictionPolicy(String)

    public var description: String {
        switch self {
        case .server(let message): "redis: \(message)"
        case .connectionClosed: "redis: connection closed"
        case .timeout: "redis: timed out"
        case .protocolViolation(let detail): "redis: protocol violation (\(detail))"
        case .unexpectedReply(let detail): "redis: unexpected reply (\(detail))"
        case .evictionPolicy(let policy):
            "redis: maxmemory-policy is \(policy); Permiso needs noeviction (CONFIG SET maxmemory-policy noeviction), since an evicted key would make a used code or a revoked token valid again"
        }
    }
}
