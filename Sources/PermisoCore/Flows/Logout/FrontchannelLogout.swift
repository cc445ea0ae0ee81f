internal import Foundation

/// OpenID Connect Front-Channel Logout 1.0 §2, the part without HTTP: the pages the
/// signed-out page loads in hidden frames, one per client the session recorded that
/// registered a `frontchannelLogoutURI`, with `iss` and `sid` added to its query (the
/// registered query kept as it is) when the client asks for them.
public enum FrontchannelLogout {
    public static func frames(for session: LoginSession, config: PermisoConfig) -> [String] {
        session.recorded(in: config).compactMap { client in
            guard let uri = client.frontchannelLogoutURI else { return nil }
            guard client.frontchannelLogoutSessionRequired else { return uri }
            let parameters = [("iss", config.issuer.absoluteString), ("sid", session.sessionID)]
            let query = parameters.map { "\($0.0)=\(QueryEncoding.encode($0.1))" }.joined(separator: "&")
            return uri + (uri.contains("?") ? "&" : "?") + query
        }
    }
}
