internal import Foundation

/// The logo loads on the login page, so it must come over https (or loopback http in development).
enum LogoURLRule {
    static func check(_ text: String) -> Result<URL, RuleViolation> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            components.encodedHost != nil, let url = components.url
        else { return .failure(RuleViolation("expected an absolute https URL, got \"\(text)\"")) }
        if scheme == "https" || (scheme == "http" && Loopback.isHost(components.encodedHost)) { return .success(url) }
        return .failure(RuleViolation("expected https (http only for loopback hosts), got \"\(text)\""))
    }
}
