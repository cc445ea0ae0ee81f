/// Comparing secrets without telling, through the time taken, how much of a guess was right:
/// password and client-secret digests, PKCE challenges (RFC 7636 §4.6), form bindings.
enum ConstantTime {
    /// Whether `a` equals `b`, in time that depends on the lengths only.
    static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
