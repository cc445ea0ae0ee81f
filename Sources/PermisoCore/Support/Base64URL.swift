import ExtrasBase64
public import Foundation

/// Base64url without padding (RFC 7515 §2), the alphabet of every JOSE member and of sealed
/// values. swift-extras-base64 works on bytes; Foundation's base64 plus `replacingOccurrences`
/// went through NSString and was a tenth of the cost of issuing a token.
extension Data {
    public var base64URLEncodedString: String {
        Base64.encodeToString(bytes: self, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Decodes base64url with or without trailing padding; `nil` for anything outside the
    /// alphabet (`+` and `/` included).
    public init?(base64URLEncoded string: some StringProtocol) {
        var text = Substring(string)
        while text.last == "=" { text.removeLast() }
        guard string.utf8.count - text.utf8.count < 3, !text.utf8.contains(UInt8(ascii: "=")),
            let bytes = try? Base64.decode(bytes: text.utf8, options: [.base64UrlAlphabet, .omitPaddingCharacter])
        else { return nil }
        self.init(bytes)
    }
}
