internal import Crypto
internal import Foundation

/// Random identifiers: session ids, cookie bindings, CSP nonces.
public enum RandomToken {
    /// 128 bits, base64url.
    public static func make() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }.base64URLEncodedString
    }
}

enum SHA256Digest {
    static func of(_ text: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(text.utf8)))
    }
}
