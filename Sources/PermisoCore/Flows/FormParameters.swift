internal import Foundation

/// An `application/x-www-form-urlencoded` body or query, as OAuth reads it.
///
/// RFC 6749 §3.1 and §3.2: parameters must not be repeated, and one sent without a value is
/// treated as omitted. Malformed escapes and non-UTF-8 bytes are errors, not guesses. The one
/// exception is `resource`, which RFC 8707 §2 lets a request repeat, once per API.
public struct FormParameters: Sendable, Equatable {
    public private(set) var values: [String: String]
    /// Every value of a repeatable parameter, in the order sent; `values` holds the first.
    private var repeated: [String: [String]] = [:]

    /// The parameters that may appear more than once.
    static let repeatable: Set<String> = ["resource"]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    public subscript(name: String) -> String? { values[name] }

    /// Every value of `name`, in order: several for a repeated `resource`, else at most one.
    public func all(_ name: String) -> [String] {
        repeated[name] ?? values[name].map { [$0] } ?? []
    }

    public static func parse(_ text: String) throws(OAuthError) -> FormParameters {
        var text = text
        return try text.withUTF8 { parse(bytes: $0) }.get()
    }

    /// On the UTF-8 bytes, not on `some StringProtocol`: a generic parse is not specialised
    /// across the module boundary, and its unspecialised `split` (witness tables, metadata
    /// lookups) was a tenth of a client_credentials request.
    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Result<FormParameters, OAuthError> {
        var values: [String: String] = [:]
        var repeated: [String: [String]] = [:]
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            let pair = bytes[start..<end]
            start = end + 1
            if pair.isEmpty { continue }
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            let valueStart = equals == pair.endIndex ? equals : equals + 1
            guard let name = decode(pair[..<equals]), let value = decode(pair[valueStart...]) else {
                return .failure(.invalidRequest("the parameters are not valid form encoding"))
            }
            if repeatable.contains(name) {
                if !value.isEmpty {
                    repeated[name, default: []].append(value)
                    if values[name] == nil { values[name] = value }
                }
                continue
            }
            guard values[name] == nil else { return .failure(.invalidRequest("parameter \(name) is repeated")) }
            if !value.isEmpty { values[name] = value }
        }
        var parameters = FormParameters(values)
        parameters.repeated = repeated
        return .success(parameters)
    }

    /// The form decoding of one name or value: `+` is a space, `%XX` a byte, the whole UTF-8.
    static func decode(_ text: Substring) -> String? {
        var text = text
        return text.withUTF8 { decode($0[...]) }
    }

    /// By hand on the bytes: Foundation's `replacingOccurrences` + `removingPercentEncoding`
    /// bridge through NSString and were a tenth of a token request's time. The bytes come
    /// from a `String` cut at ASCII delimiters, so without escapes they are valid UTF-8 already.
    private static func decode(_ utf8: Slice<UnsafeBufferPointer<UInt8>>) -> String? {
        guard utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(decoding: utf8, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            index += 1
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != utf8.endIndex, let high = hexValue(utf8[index]) else { return nil }
                index += 1
                guard index != utf8.endIndex, let low = hexValue(utf8[index]) else { return nil }
                index += 1
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
