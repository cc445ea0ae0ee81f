/// The code a person types on the verification page (RFC 8628 §6.1).
///
/// Eight characters from twenty consonants: no vowels, so no words, and none of the
/// look-alikes 0/O, 1/I. 20⁸ ≈ 2.6 × 10¹⁰ codes; guessing is further throttled per client
/// address and per code space. Typed case-insensitively, with or without the dash, and
/// spaces are forgiven.
public enum UserCode {
    public static let alphabet = Array("BCDFGHJKLMNPQRSTVWXZ")
    public static let length = 8

    /// A fresh code from the system's secure generator, without modulo bias.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// The canonical form (`BCDFGHJK`) of what someone typed, or `nil` if it cannot be a code.
    public static func normalize(_ typed: String) -> String? {
        guard typed.utf8.count <= 64 else { return nil }
        let characters = typed.uppercased().filter { $0 != "-" && !$0.isWhitespace }
        guard characters.count == length, characters.allSatisfy(alphabet.contains) else { return nil }
        return String(characters)
    }

    /// How the code is shown: `BCDF-GHJK`.
    public static func display(_ code: String) -> String {
        guard code.count == length else { return code }
        return String(code.prefix(length / 2)) + "-" + String(code.suffix(length / 2))
    }
}
