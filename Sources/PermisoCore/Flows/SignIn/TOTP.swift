internal import Crypto
public import Foundation

/// Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226).
public enum TOTP {
    /// How many steps either side of now a code may come from: RFC 6238 §5.2 recommends
    /// one step of allowed network delay; either side also forgives a phone's clock drift.
    public static let window = 1

    /// The time step of `date` (RFC 6238 §4: T = floor((now − T0) / X), T0 = 0).
    public static func step(at date: Date, period: Int) -> Int64 {
        Int64((date.timeIntervalSince1970 / Double(period)).rounded(.down))
    }

    /// The code for one step: HOTP's dynamic truncation (RFC 4226 §5.3), `digits` long.
    public static func code(_ config: TOTPConfig, step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let key = SymmetricKey(data: config.secret)
        let mac: [UInt8] =
            switch config.algorithm {
            case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
            case .sha256: Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
            case .sha512: Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
            }
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<config.digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: config.digits - value.count) + value
    }

    /// The step `typed` is the code of, within `window` steps of `now`; spaces are forgiven
    /// (apps show codes as "123 456"). Every candidate is compared in constant time.
    public static func matchingStep(_ typed: String, _ config: TOTPConfig, now: Date) -> Int64? {
        let digits = Array(typed.utf8.filter { $0 != UInt8(ascii: " ") })
        guard digits.count == config.digits, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        let current = step(at: now, period: config.period)
        var found: Int64?
        for offset in -Int64(window)...Int64(window) {
            let candidate = current + offset
            if ConstantTime.equals(Array(code(config, step: candidate).utf8), digits), found == nil { found = candidate }
        }
        return found
    }
}
