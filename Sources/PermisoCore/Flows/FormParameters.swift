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
    static func decode(_ text: some StringProtocol) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
