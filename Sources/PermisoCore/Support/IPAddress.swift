#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, as its bytes.
///
/// Read from text the way `inet_pton` reads it, so each address has one value however it is
/// spelled (`2001:DB8::1` and `2001:db8:0::1` are equal). An IPv4-mapped IPv6 address
/// (`::ffff:192.0.2.1`, what a dual-stack socket reports for an IPv4 peer) is the IPv4
/// address it carries: one client, one address.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// `nil` for anything but a bare address: no port, no brackets, no zone, no name.
    public init?(_ text: some StringProtocol) {
        // A NUL would end the C string early: "1.2.3.4\0junk" is not an address.
        guard text.utf8.count <= 45, !text.utf8.contains(0) else { return nil }
        let text = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let raw = withUnsafeBytes(of: &v6) { Array($0) }
        bytes = raw.starts(with: Self.mappedPrefix) ? Array(raw[12...]) : raw
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The address with every bit after the first `bits` cleared.
    public func masked(to bits: Int) -> IPAddress {
        IPAddress(
            bytes: bytes.enumerated().map { index, byte in
                let kept = min(max(bits - index * 8, 0), 8)
                return kept == 8 ? byte : byte & ~(0xFF >> kept)
            }
        )
    }

    /// What a throttle counts a client by: an IPv4 address whole, an IPv6 address by its
    /// /64. One IPv6 subscriber holds at least a /64 (RFC 6177 §2, RFC 7421), so counting
    /// whole IPv6 addresses would give every attacker 2⁶⁴ fresh addresses, each with its own
    /// budget of guesses.
    public var throttleKey: String {
        isIPv4 ? description : "\(masked(to: 64))/64"
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var bytes = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &bytes, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `::ffff:0:0/96` (RFC 4291 §2.5.5.2).
    private static let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
}
