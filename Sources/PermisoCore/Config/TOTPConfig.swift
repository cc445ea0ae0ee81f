/// A user's TOTP authenticator (RFC 6238): the shared secret and the parameters the app
/// was enrolled with. Every authenticator app supports the defaults (SHA-1, 6 digits,
/// 30 seconds); others are accepted when configured, for apps and tokens that support them.
public struct TOTPConfig: Sendable, Equatable {
    /// RFC 6238 §1.2: HMAC-SHA-1, -256 or -512.
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha1 = "SHA1"
        case sha256 = "SHA256"
        case sha512 = "SHA512"
    }

    public var secret: [UInt8]
    public var algorithm: Algorithm
    public var digits: Int
    public var period: Int

    /// RFC 4226 §4 R6: at least 128 bits of secret (160 recommended, what `permiso totp enroll` makes).
    public static let minimumSecretBytes = 16

    public init(secret: [UInt8], algorithm: Algorithm = .sha1, digits: Int = 6, period: Int = 30) {
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
    }
}
