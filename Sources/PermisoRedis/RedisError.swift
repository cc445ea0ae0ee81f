public import PermisoCore

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
    /// The server reached is a replica (or a sentinel), not the master: it would answer
    /// reads from stale data and refuse writes.
    case notPrimary(address: RedisAddress, role: String)
    /// No sentinel named the master; one line per sentinel says why.
    case noSentinel([String])
    /// `WAIT` counted fewer replicas holding a write than `stateStoreReplication` asks for:
    /// a failover now could lose it, so it is not relied on.
    case notReplicated(confirmed: Int, required: Int)
    /// `stateStoreReplication` is set and the server refuses `WAIT` (unknown command, an
    /// ACL, a proxy): no write could ever be confirmed.
    case waitRefused(String)

    public var description: String {
        switch self {
        case .server(let message): "redis: \(message)"
        case .connectionClosed: "redis: connection closed"
        case .timeout: "redis: timed out"
        case .protocolViolation(let detail): "redis: protocol violation (\(detail))"
        case .unexpectedReply(let detail): "redis: unexpected reply (\(detail))"
        case .evictionPolicy(let policy):
            "redis: maxmemory-policy is \(policy); Permiso needs noeviction (CONFIG SET maxmemory-policy noeviction), since an evicted key would make a used code or a revoked token valid again"
        case .notPrimary(let address, let role): "redis: \(address) is a \(role), not the master"
        case .noSentinel(let problems): "redis: no sentinel named the master (\(problems.joined(separator: "; ")))"
        case .notReplicated(let confirmed, let required):
            "redis: a write reached \(confirmed) of the \(required) replicas required in time"
        case .waitRefused(let message):
            "redis: stateStoreReplication needs the WAIT command, and the server refused it (\(message)); allow WAIT or remove stateStoreReplication"
        }
    }
}
