internal import Foundation

/// The issuer is an https URL with no query or fragment (OIDC Discovery §3, RFC 8414 §2);
/// http is accepted for loopback hosts so development needs no TLS.
///
/// A trailing slash is refused too: clients compare `iss` as an exact string and build
/// `/.well-known/…` by appending, so `https://id.example/` invites mismatches.
enum IssuerRule {
    /// The parsed URL, or what is wrong with the text.
    static func check(_ text: String) -> Result<URL, RuleViolation> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.encodedHost, !host.isEmpty, let url = components.url
        else {
            return .failure(RuleViolation("expected an absolute https URL, got \"\(text)\""))
        }
        if scheme == "http" && !Loopback.isHost(host) {
            return .failure(
                RuleViolation(
                    "expected https (http is allowed only for loopback hosts such as 127.0.0.1), got \"\(text)\""
                )
            )
        }
        guard scheme == "https" || scheme == "http" else {
            return .failure(RuleViolation("expected an https URL, got scheme \"\(scheme)\" in \"\(text)\""))
        }
        if components.query != nil || components.fragment != nil {
            return .failure(
                RuleViolation(
                    "must not contain a query or fragment (OIDC Discovery §3), got \"\(text)\""
                )
            )
        }
        if components.user != nil || components.password != nil {
            return .failure(RuleViolation("must not contain user information, got \"\(text)\""))
        }
        if components.path.hasSuffix("/") {
            return .failure(RuleViolation("must not end with a slash, got \"\(text)\""))
        }
        return .success(url)
    }
}

/// What a rule found wrong, phrased as the end of "field: …".
struct RuleViolation: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
