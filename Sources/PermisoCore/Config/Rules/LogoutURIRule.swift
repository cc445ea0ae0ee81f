internal import Foundation

/// A relying party's back- or front-channel logout URI (OpenID Connect Back-Channel Logout
/// 1.0 §2.2, Front-Channel Logout 1.0 §2): an absolute https URL, or http on a loopback host
/// for development; no fragment, since §2.2 forbids one and a browser would drop it anyway.
/// A front-channel URI's host must also be a DNS name or an IP literal (`HostName`): its
/// origin goes into the signed-out page's CSP `frame-src`. A back-channel URI is only POSTed
/// to, so a service name such as `orders_api` on a private network is fine there.
enum LogoutURIRule {
    static func check(_ text: String, framed: Bool) -> RuleViolation? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.encodedHost, !host.isEmpty
        else { return RuleViolation("expected an absolute https URL, got \"\(text)\"") }
        guard components.fragment == nil else { return RuleViolation("a logout URI has no fragment, got \"\(text)\"") }
        guard !framed || HostName.isPlain(host) else {
            return RuleViolation("expected a host that is a DNS name or an IP address, got \"\(text)\"")
        }
        if scheme == "https" || (scheme == "http" && Loopback.isHost(host)) { return nil }
        return RuleViolation("expected https (http only for loopback hosts), got \"\(text)\"")
    }
}
