internal import Foundation

/// An `application/x-www-form-urlencoded` body or query, as OAuth reads it.
///
/// RFC 6749 §3.1 and §3.2: parameters must not be repeated, and one sent without a value is
/// treated as omitted. Malformed escapes and non-UTF-8 bytes are errors, not guesses.
public struct FormParameters: Sendable, Equatable {
    public private(set) var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    public subscript(name: String) -> String? { values[name] }

    public static func parse(_ text: some StringProtocol) throws(OAuthError) -> FormParameters {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw .invalidRequest("the parameters are not valid form encoding")
            }
            guard values[name] == nil else { throw .invalidRequest("parameter \(name) is repeated") }
            if !value.isEmpty { values[name] = value }
        }
        return FormParameters(values)
    }

    /// The form decoding of one name or value: `+` is a space, `%XX` a byte, the whole UTF-8.
    ///
    /// By hand on the bytes: Foundation's `replacingOccurrences` + `removingPercentEncoding`
    /// bridge through NSString and were a tenth of a token request's time.
    static func decode(_ text: some StringProtocol) -> String? {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            index = utf8.index(after: index)
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != utf8.endIndex, let high = hexValue(utf8[index]) else { return nil }
                index = utf8.index(after: index)
                guard index != utf8.endIndex, let low = hexValue(utf8[index]) else { return nil }
                index = utf8.index(after: index)
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
