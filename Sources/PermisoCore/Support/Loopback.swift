/// Which hosts are this machine, in the two senses OAuth gives the word.
///
/// - `isHost`: any name or address that never leaves the machine (`localhost`, `127.0.0.0/8`,
///   `::1`), where plain http is acceptable for the issuer, logos and redirect URIs
///   (RFC 8252 §8.3 on why loopback needs no TLS).
/// - `isIPLiteral`: the loopback IP literals a native app's redirect URI may use with any
///   port (RFC 8252 §7.3). `localhost` is not one: §8.3 says a name can resolve elsewhere
///   (a firewall or a hosts file), so the port relaxation is for literals only.
enum Loopback {
    static func isHost(_ host: String?) -> Bool {
        guard var host = host?.lowercased() else { return false }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    static func isIPLiteral(_ host: String?) -> Bool {
        host == "127.0.0.1" || host == "[::1]" || host == "::1"
    }
}
