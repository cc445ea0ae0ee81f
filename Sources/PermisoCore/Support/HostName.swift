/// A URI's host as Permiso accepts it in config: a DNS name of letters, digits and hyphens
/// in non-empty labels, or a bracketed IP literal (RFC 3986 §3.2.2), as written, escapes not
/// decoded.
///
/// RFC 3986 also lets a host hold escapes and sub-delimiters (`;`, `,`, `'`, …) that no DNS
/// name has. Those hosts reach places where the characters mean something else: a file name
/// `permiso build` writes for a resource, and the `form-action` and `frame-src` sources of the
/// pages' Content-Security-Policy, built from redirect and logout URIs. Checked byte by byte:
/// it runs on every token request that names a resource, and Foundation's regular expressions
/// would bring ICU into the process for it.
enum HostName {
    static func isPlain(_ host: String) -> Bool {
        if host.utf8.first == UInt8(ascii: "[") {
            let inner = host.utf8.dropFirst()
            guard inner.last == UInt8(ascii: "]") else { return false }
            let address = inner.dropLast()
            return !address.isEmpty && address.allSatisfy { ASCIIText.isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
        }
        return host.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.allSatisfy { ASCIIText.isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }
}
