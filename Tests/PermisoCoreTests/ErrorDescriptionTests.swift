import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// RFC 6749 §5.2 and §4.1.2.1: `error_description` holds printable ASCII without `"` and `\`.
/// Every description Permiso writes is a literal in its sources, so a scan of them checks
/// them all; interpolated values are checked where they come from (no error echoes a value
/// a client chose unless it was already validated as plain text).
@Suite("Error descriptions")
struct ErrorDescriptionTests {
    static let cases = [
        "invalidRequest", "invalidClient", "invalidGrant", "unauthorizedClient", "unsupportedGrantType",
        "unsupportedResponseType", "invalidScope", "accessDenied", "serverError", "temporarilyUnavailable", "invalidToken",
        "insufficientScope", "authorizationPending", "slowDown", "expiredToken", "loginRequired", "consentRequired",
        "interactionRequired", "requestNotSupported", "requestURINotSupported", "invalidTarget",
    ]

    /// The literal text of each OAuthError description in `source`, interpolations removed.
    static func descriptions(in source: String) -> [String] {
        let pattern = try! Regex(#"\.(\#(cases.joined(separator: "|")))\("((?:[^"\\]|\\.)*)""#)
        return source.matches(of: pattern).map { match in
            var text = String(match.output[2].substring ?? "")
            // Interpolations may nest parentheses one level deep.
            text = text.replacing(try! Regex(#"\\\((?:[^()]|\([^()]*\))*\)"#), with: "")
            return text
        }
    }

    static func allowed(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { (0x20...0x21).contains($0.value) || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) }
    }

    @Test("The scan finds descriptions and sees a bad one")
    func scannerWorks() {
        #expect(Self.descriptions(in: #"throw .invalidTarget("RFC 8707 §2")"#) == ["RFC 8707 §2"])
        #expect(Self.descriptions(in: #"throw OAuthError.invalidScope("scope \(name(x)) is \"odd\"")"#) == [#"scope  is \"odd\""#])
        #expect(!Self.allowed("RFC 8707 §2") && !Self.allowed(#"a \"quote\""#) && Self.allowed("plain text (RFC 6749 section 5.2)"))
    }

    @Test("Every description in the sources is printable ASCII without quote or backslash")
    func sourcesComply() throws {
        let sources = URL(fileURLWithPath: Repository.root + "/Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var found: [String] = []
        var scanned = 0
        for case let url as URL in files where url.pathExtension == "swift" {
            for description in Self.descriptions(in: try String(contentsOf: url, encoding: .utf8)) {
                scanned += 1
                if !Self.allowed(description) { found.append("\(url.lastPathComponent): \(description)") }
            }
        }
        #expect(scanned > 100, "the scan must see the descriptions")
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }
}
