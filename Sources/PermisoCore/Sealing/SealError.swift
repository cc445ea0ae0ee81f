/// Why a sealed value did not open. Callers map all of them to the same protocol error, so
/// a client learns nothing about which check failed.
public enum SealError: Error, Sendable, Equatable {
    /// Not base64url, too short, or an unknown format version.
    case malformed
    /// Sealed with a secret this deployment no longer (or never) had.
    case unknownSecret
    /// The ciphertext, tag, purpose or issuer does not match: tampered, or sealed for something else.
    case notAuthentic
    /// Authentic, but past its expiry.
    case expired
}
