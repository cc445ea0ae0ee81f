internal import Foundation

/// Which redirect URI an authorization request may use.
///
/// RFC 6749 §3.1.2.3 and RFC 9700 §4.1.3: the requested URI must equal a registered one,
/// character for character; it may be omitted only when exactly one is registered. The one
/// relaxation is RFC 8252 §7.3: a native app's loopback redirect URI matches on any port,
/// since the app picks a free port when it starts.
///
/// A failure here must never redirect: the URI is not trusted, so the endpoint shows an
/// error page instead.
public enum RedirectURIMatch {
    public static func resolve(_ requested: String?, for client: ClientConfig) throws(OAuthError) -> String {
        guard let requested, !requested.isEmpty else {
            guard client.redirectURIs.count == 1, let only = client.redirectURIs.first else {
                throw .invalidRequest("redirect_uri is required: this client registered more than one")
            }
            return only
        }
        if client.redirectURIs.contains(requested) { return requested }
        if client.isPublic, client.redirectURIs.contains(where: { matchesIgnoringLoopbackPort(registered: $0, requested: requested) }) {
            return requested
        }
        throw .invalidRequest("redirect_uri is not registered for this client")
    }

    /// Equal except for the port, and both on a loopback IP literal over http (RFC 8252 §7.3;
    /// `Loopback` says why `localhost` is not one).
    static func matchesIgnoringLoopbackPort(registered: String, requested: String) -> Bool {
        guard ASCIIText.isVisible(requested), var a = URLComponents(string: registered), var b = URLComponents(string: requested),
            a.scheme == "http", b.scheme == "http", a.encodedHost == b.encodedHost,
            Loopback.isIPLiteral(a.encodedHost)
        else { return false }
        a.port = nil
        b.port = nil
        return a.string == b.string
    }
}
