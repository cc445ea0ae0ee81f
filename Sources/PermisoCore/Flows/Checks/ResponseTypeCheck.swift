/// Only the authorization code flow is offered (RFC 9700 §2.1.2: no implicit grant), and
/// only to clients registered for it (RFC 6749 §4.1.2.1 `unauthorized_client`).
enum ResponseTypeCheck {
    static func check(_ parameters: FormParameters, client: ClientConfig) throws(OAuthError) {
        guard parameters["response_type"] == "code" else {
            throw .unsupportedResponseType("response_type must be code; implicit and hybrid flows are not offered")
        }
        guard client.grantTypes.contains(.authorizationCode) else {
            throw .unauthorizedClient("this client may not use the authorization code flow")
        }
    }
}
