/// Checks of identifiers against small ASCII alphabets, byte by byte.
///
/// Written out rather than as regular expressions: Foundation's `.regularExpression` runs on
/// ICU, and the first use maps ICU's code and data into the process for good (about 6 MiB of
/// every instance's memory, docs/operations.md "Memory"). A byte check also leaves no Unicode
/// equivalence to reason about: a letter with a combining mark is not the letter.
enum ASCIIText {
    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    /// Whether every byte of `text` is a visible ASCII character, as every byte of a URI is
    /// (RFC 3986 §2). Checked before `URLComponents` parses text a client sent: given a
    /// non-ASCII host, it converts it with ICU's IDNA, which is ICU in the process.
    static func isVisible(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// Whether `text` is at least one byte, each an ASCII letter, a digit or one of `punctuation`.
    static func isToken<Bytes: Collection<UInt8>>(_ text: Bytes, punctuation: String) -> Bool {
        !text.isEmpty && text.allSatisfy { isLetterOrDigit($0) || punctuation.utf8.contains($0) }
    }

    static func isToken(_ text: some StringProtocol, punctuation: String) -> Bool {
        isToken(text.utf8, punctuation: punctuation)
    }
}
