/// Base32 (RFC 4648 §6), the encoding authenticator apps use for TOTP secrets.
///
/// Decoding forgives what people and apps write: lower case, spaces, and `=` padding.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Upper case, without padding (Key Uri Format: "The padding specified in RFC 3548
    /// section 2.2 is not required and should be omitted").
    public static func encode(_ bytes: [UInt8]) -> String {
        var result: [UInt8] = []
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                result.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { result.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: result, as: UTF8.self)
    }

    /// The bytes, or `nil` for a character outside the alphabet or a length no encoder makes.
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer = 0
        var bits = 0
        var symbols = 0
        for character in text.utf8 where character != UInt8(ascii: " ") && character != UInt8(ascii: "=") {
            let upper = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(character) ? character - 32 : character
            guard let value = alphabet.firstIndex(of: upper) else { return nil }
            buffer = (buffer << 5 | value) & 0xFFFF
            bits += 5
            symbols += 1
            if bits >= 8 {
                bytes.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        // 1, 3 and 6 leftover symbols cannot come from whole bytes, and an encoder leaves
        // the unused low bits zero: anything else is a typo, not a secret.
        guard ![1, 3, 6].contains(symbols % 8), buffer & ((1 << bits) - 1) == 0 else { return nil }
        return bytes
    }
}
