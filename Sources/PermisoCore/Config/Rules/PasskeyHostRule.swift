internal import Foundation

/// Passkeys are scoped to the pages' host, the RP ID (WebAuthn Level 3 §5.1.4.1), and
/// browsers refuse an IP address as one: a config listing passkeys needs a service URL
/// (or issuer) whose host is a domain name — `localhost` in development.
enum PasskeyHostRule {
    static func check(_ url: URL) -> RuleViolation? {
        guard let host = url.host?.lowercased(), !host.isEmpty else { return RuleViolation("the service URL has no host") }
        let unbracketed = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let isIPv4 =
            unbracketed.split(separator: ".", omittingEmptySubsequences: false).count == 4
            && unbracketed.split(separator: ".").allSatisfy { UInt8($0) != nil }
        if isIPv4 || unbracketed.contains(":") {
            return RuleViolation(
                "passkeys need the service URL's host to be a domain name (browsers refuse an IP address such as \(host) as a WebAuthn RP ID); use localhost in development"
            )
        }
        return nil
    }
}
