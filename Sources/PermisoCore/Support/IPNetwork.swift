/// A block of addresses in CIDR notation (RFC 4632 §3.1): `10.0.0.0/8`, `2001:db8::/32`,
/// or one address alone (`/32` or `/128`), for naming the load balancers whose
/// `X-Forwarded-For` is believed.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Why a network was refused.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Throws for anything but an address with an optional prefix length that fits it. An
    /// address with bits set past its prefix (`10.0.0.1/8`) is refused rather than widened:
    /// the operator meant either the address or the block, and trusting the wrong one lets
    /// strangers choose the address they are throttled by.
    public init(_ text: String) throws(Problem) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else {
            throw Problem(description: "\(text.prefix(64)) is not an IP address or a CIDR block such as 10.0.0.0/8")
        }
        let widest = address.bytes.count * 8
        var length = widest
        if parts.count == 2 {
            guard (1...3).contains(parts[1].utf8.count), parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }), let given = Int(parts[1]),
                (0...widest).contains(given)
            else {
                throw Problem(description: "\(text.prefix(64)): the prefix length must be 0 to \(widest)")
            }
            length = given
        }
        guard address.masked(to: length) == address else {
            throw Problem(
                description: "\(text): bits are set past the /\(length) prefix; write \(address.masked(to: length))/\(length), or the address alone"
            )
        }
        self.address = address
        self.prefixLength = length
    }

    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.bytes.count == address.bytes.count && candidate.masked(to: prefixLength) == address
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
