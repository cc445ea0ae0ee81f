internal import CCrypt
internal import Foundation

/// Password and client-secret hashes in the crypt formats other tools write.
///
/// Verification goes through libxcrypt's `crypt_rn`, the implementation `htpasswd -B`,
/// `mkpasswd` and the system's own logins trust, rather than code of our own.
public enum PasswordHash {
    /// The schemes `permiso hash-password` can make; all of them verify.
    public enum Scheme: String, Sendable, CaseIterable {
        case bcrypt
        case yescrypt
        case sha512crypt = "sha512-crypt"

        var prefix: String {
            switch self {
            case .bcrypt: return "$2b$"
            case .yescrypt: return "$y$"
            case .sha512crypt: return "$6$"
            }
        }

        /// Cost the hash is made with: bcrypt's log2 rounds, yescrypt's cost factor,
        /// sha512-crypt's rounds. `0` lets libxcrypt choose its current default.
        public var defaultCost: UInt {
            switch self {
            case .bcrypt: return 12
            case .yescrypt: return 0
            case .sha512crypt: return 0
            }
        }
    }

    /// The characters crypt(5) hashes and salts are written in.
    static let cryptAlphabet = Set("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Whether `hash` has the complete shape of an accepted format: its setting plus the hash
    /// itself. Checking the shape costs nothing, where hashing a dummy to prove a hash
    /// readable would cost one full bcrypt per user at every config load.
    static func hasAcceptedShape(_ hash: String) -> Bool {
        let fields = hash.split(separator: "$", omittingEmptySubsequences: false).map { Array($0.utf8) }
        func crypt64(_ field: [UInt8], count: ClosedRange<Int>) -> Bool {
            count.contains(field.count) && field.allSatisfy(cryptAlphabet.contains)
        }
        guard fields.count >= 4, fields[0].isEmpty else { return false }
        switch String(decoding: fields[1], as: UTF8.self) {
        case "2a", "2b", "2y":
            // $2b$cost$ then 22 characters of salt and 31 of hash.
            guard fields.count == 4, let cost = Int(String(decoding: fields[2], as: UTF8.self)),
                fields[2].count == 2, (4...31).contains(cost)
            else { return false }
            return crypt64(fields[3], count: 53...53)
        case "y":
            // $y$params$salt$hash
            return fields.count == 5 && crypt64(fields[2], count: 1...32) && crypt64(fields[3], count: 1...86)
                && crypt64(fields[4], count: 43...43)
        case "6":
            // $6$[rounds=N$]salt$hash
            var rest = fields.dropFirst(2)
            if let first = rest.first, first.starts(with: Array("rounds=".utf8)) {
                guard Int(String(decoding: first.dropFirst(7), as: UTF8.self)) != nil else { return false }
                rest = rest.dropFirst()
            }
            guard rest.count == 2, let salt = rest.first, let digest = rest.last else { return false }
            return (1...16).contains(salt.count) && !salt.contains(UInt8(ascii: ":"))
                && crypt64(digest, count: 86...86)
        default:
            return false
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case cannotHash(String)

        public var description: String {
            switch self {
            case .cannotHash(let reason): return "cannot hash the password: \(reason)"
            }
        }
    }

    /// Hashes `password` with a fresh random salt from the operating system.
    public static func make(_ password: String, scheme: Scheme = .bcrypt, cost: UInt? = nil) throws -> String {
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // A nil random-bytes argument makes libxcrypt read the salt from the OS's random source.
        guard crypt_gensalt_rn(scheme.prefix, cost ?? scheme.defaultCost, nil, 0, &setting, Int32(setting.count)) != nil
        else {
            throw Failure.cannotHash("invalid cost \(cost ?? scheme.defaultCost) for \(scheme.rawValue)")
        }
        let settingText = String(decoding: setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let hash = crypt(password, setting: settingText) else {
            throw Failure.cannotHash("libxcrypt refused the setting")
        }
        return hash
    }

    /// The part of a hash that sets its cost: `$2b$12$`, `$y$j9T$`, `$6$rounds=5000$` or `$6$`.
    static func parameters(of hash: String) -> String {
        let fields = hash.split(separator: "$", omittingEmptySubsequences: false)
        // "", id, [params], salt, checksum
        switch fields.count > 1 ? fields[1] : "" {
        case "y" where fields.count > 2: return "$y$\(fields[2])$"
        case "6" where fields.count > 2 && fields[2].hasPrefix("rounds="): return "$6$\(fields[2])$"
        case "2a" where fields.count > 2, "2b" where fields.count > 2, "2y" where fields.count > 2:
            return "$\(fields[1])$\(fields[2])$"
        default: return fields.count > 1 ? "$\(fields[1])$" : ""
        }
    }

    /// A hash of a random password that costs what `like` costs to verify: its scheme, cost
    /// and parameters, with `like`'s salt (the password is random, so the salt reveals nothing).
    static func decoy(like hash: String) -> String? {
        crypt(RandomToken.make(), setting: hash)
    }

    /// Whether `password` matches `hash`, compared in constant time.
    public static func verify(_ password: String, against hash: String) -> Bool {
        guard isAcceptedFormat(hash), let computed = crypt(password, setting: hash) else { return false }
        return ConstantTime.equals(Array(computed.utf8), Array(hash.utf8))
    }

    /// Whether `hash` is a complete hash in one of the accepted formats, with a setting libxcrypt reads.
    public static func isAcceptedFormat(_ hash: String) -> Bool {
        guard hasAcceptedShape(hash) else { return false }
        let verdict = crypt_checksalt(hash)
        return verdict == CRYPT_SALT_OK || verdict == CRYPT_SALT_METHOD_LEGACY
    }

    private static func crypt(_ phrase: String, setting: String) -> String? {
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        defer {
            // The work area holds the password's derived state: wipe it before freeing.
            memset_s_compat(data, size)
            data.deallocate()
        }
        memset(data, 0, size)
        guard let result = crypt_rn(phrase, setting, data, Int32(size)) else { return nil }
        let text = String(cString: result)
        return text.hasPrefix("*") ? nil : text
    }

    private static func memset_s_compat(_ pointer: UnsafeMutableRawPointer, _ count: Int) {
        // explicit_bzero is not optimised away, unlike a plain memset before free.
        explicit_bzero(pointer, count)
    }
}
