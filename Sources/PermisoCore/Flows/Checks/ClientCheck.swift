/// The request names a registered client (RFC 6749 §4.1.1). Until it does, and until its
/// redirect URI is matched, nothing may be redirected (§4.1.2.1): errors show a page.
enum ClientCheck {
    static func check(_ parameters: FormParameters, config: PermisoConfig) throws(OAuthError) -> ClientConfig {
        guard let clientID = parameters["client_id"] else { throw .invalidRequest("client_id is required") }
        guard let client = config.client(id: clientID) else { throw .invalidRequest("unknown client_id") }
        return client
    }
}
