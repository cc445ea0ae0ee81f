/// Request objects are not supported, and say so with their own error codes
/// (OIDC Core §6.1, §6.2, §3.1.2.6), rather than being ignored.
enum RequestObjectCheck {
    static func check(_ parameters: FormParameters) throws(OAuthError) {
        if parameters["request"] != nil { throw .requestNotSupported("request objects are not supported") }
        if parameters["request_uri"] != nil { throw .requestURINotSupported("request_uri is not supported") }
    }
}
