internal import Crypto
internal import Foundation

/// Random identifiers: session ids, cookie bindings, CSP nonces.
public enum RandomToken {
    /// 128 bits, base64url.
    public static func make() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }.base64URLEncodedString
    }
}

/// SHA-256 of text, for digests that are not secrets' hashes (PKCE challenges, cookie bindings).
public enum SHA256Bytes {
    public static func of(_ text: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(text.utf8)))
    }
}
