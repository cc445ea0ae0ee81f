import Mustache

/// HTML escaping per Unicode scalar, for every value a page reflects.
///
/// swift-mustache's own HTML escaping compares whole `Character`s, and a quote followed by
/// a combining mark (`"` U+0301) is one `Character` that is not `"`: it would pass through
/// unescaped and close the attribute it stands in. Escaping scalar by scalar leaves no such
/// gap. Every template opts in with the `CONTENT_TYPE` pragma (`PageRenderer`), so no page
/// renders with the weaker escaping.
struct ScalarHTMLEscaping: MustacheContentType {
    /// The name templates name it by: `{{% CONTENT_TYPE: PERMISO_HTML}}`.
    static let name = "PERMISO_HTML"

    func escapeText(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        escaped.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
