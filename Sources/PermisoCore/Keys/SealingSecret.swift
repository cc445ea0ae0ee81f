internal import Crypto
public import Foundation

/// A secret the token service seals codes, tokens and cookies with (AES-256-GCM after HKDF).
///
/// Stored as base64url text. Its id, carried in each sealed value's header so the right
/// secret opens it, is a truncated SHA-256 of the secret: derived, like a `kid`.
public struct SealingSecret: Sendable {
    /// At least 256 bits, the AES-256 key size the derived keys need.
    public static let minimumBytes = 32

    public let bytes: Data
    public let id: String

    public init(bytes: Data) throws(KeyLoadProblem) {
        guard bytes.count >= Self.minimumBytes else {
            throw .unreadable("a sealing secret needs at least \(Self.minimumBytes) bytes, this one has \(bytes.count)")
        }
        self.bytes = bytes
        self.id = String(Data(SHA256.hash(data: bytes)).base64URLEncodedString.prefix(8))
    }

    public static func generate() -> SealingSecret {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        return try! SealingSecret(bytes: bytes)  // 32 bytes always meet the minimum.
    }

    public static func load(text: String) throws(KeyLoadProblem) -> SealingSecret {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64URLEncoded: trimmed) else {
            throw .unreadable("expected one line of base64url text")
        }
        return try SealingSecret(bytes: bytes)
    }

    public var fileContents: String { bytes.base64URLEncodedString + "\n" }
}
