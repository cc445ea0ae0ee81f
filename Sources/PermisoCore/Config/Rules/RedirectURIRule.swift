internal import Foundation

/// Redirect URIs are absolute, carry no fragment (RFC 6749 §3.1.2), and use https, except
/// for native apps: http on a loopback IP (RFC 8252 §7.3) or a private-use scheme named
/// after a domain the app controls, such as `com.example.app:/cb` (RFC 8252 §7.1).
///
/// Matching is by exact string (RFC 9700 §4.1.3), so wildcards are refused here, where the
/// mistake is cheap to fix.
enum RedirectURIRule {
    static func check(_ text: String) -> RuleViolation? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return RuleViolation("expected an absolute URI, got \"\(text)\"")
        }
        if components.fragment != nil || text.contains("#") {
            return RuleViolation("must not contain a fragment (RFC 6749 §3.1.2), got \"\(text)\"")
        }
        if text.contains("*") {
            return RuleViolation(
                "wildcards are not allowed; list each URI, they are matched exactly (RFC 9700 §4.1.3), got \"\(text)\""
            )
        }
        // Any host, a private-use URI's included, becomes a CSP form-action source.
        if let host = components.encodedHost, !host.isEmpty, !HostName.isPlain(host) {
            return RuleViolation("expected a host that is a DNS name or an IP address, got \"\(text)\"")
        }
        switch scheme {
        case "https":
            guard let host = components.encodedHost, !host.isEmpty else {
                return RuleViolation("expected a host in \"\(text)\"")
            }
            return nil
        case "http":
            guard Loopback.isHost(components.encodedHost) else {
                return RuleViolation(
                    "expected https; http is allowed only for loopback hosts (RFC 8252 §8.3), got \"\(text)\""
                )
            }
            return nil
        default:
            // RFC 8252 §7.1: private-use schemes are reverse domain names, e.g. com.example.app.
            guard scheme.contains(".") else {
                return RuleViolation(
                    "expected https, loopback http, or a private-use scheme based on a reverse domain name such as com.example.app (RFC 8252 §7.1), got \"\(text)\""
                )
            }
            return nil
        }
    }
}
