internal import Foundation

/// A resource indicator (RFC 8707 §2): an absolute URI with no fragment. Permiso also wants
/// https (or http on a loopback host) and a plain host and path, since RFC 9728 publishes the
/// API's metadata under that URI and `permiso build` writes it to a file named after it, and a
/// bounded length, since it is copied into every token.
enum ResourceIndicatorRule {
    static let maximumLength = 512

    static func check(_ text: String) -> RuleViolation? {
        guard text.utf8.count <= maximumLength else {
            return RuleViolation("a resource indicator is at most \(maximumLength) bytes")
        }
        guard ASCIIText.isVisible(text), let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.encodedHost, !host.isEmpty
        else { return RuleViolation("expected an absolute URI (RFC 8707 §2), got \"\(text)\"") }
        guard components.fragment == nil else {
            return RuleViolation("a resource indicator has no fragment (RFC 8707 §2), got \"\(text)\"")
        }
        guard components.query == nil else {
            return RuleViolation("a resource indicator should have no query (RFC 8707 §2), got \"\(text)\"")
        }
        guard scheme == "https" || (scheme == "http" && Loopback.isHost(host)) else {
            return RuleViolation("expected https (http only for loopback hosts), got \"\(text)\"")
        }
        // The host and path name files `permiso build` writes (RFC 9728 §3.1), so both are
        // kept to plain characters: no escapes, no dot segments, no trailing slash but the root's.
        guard HostName.isPlain(host), components.user == nil, components.password == nil
        else { return RuleViolation("a resource indicator's host is a DNS name or IP address, got \"\(text)\"") }
        guard isPlainPath(components.percentEncodedPath) else {
            return RuleViolation(
                "a resource indicator's path is plain segments (letters, digits, '-', '.', '_', '~'; no escapes, dot segments or trailing slash), got \"\(text)\""
            )
        }
        return nil
    }

    /// Empty, the root, or `/`-led segments of unreserved characters (RFC 3986 §2.3) with no
    /// empty, `.` or `..` segment.
    static func isPlainPath(_ path: String) -> Bool {
        if path.isEmpty || path == "/" { return true }
        guard path.utf8.first == UInt8(ascii: "/") else { return false }
        return path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy { segment in
            ASCIIText.isToken(segment, punctuation: "._~-") && !segment.elementsEqual(".".utf8) && !segment.elementsEqual("..".utf8)
        }
    }
}
