/// Values that travel on, sealed into the login form and the code, stay small: a request
/// cannot make every later value it rides in grow without bound.
enum ParameterLengthCheck {
    static let names = ["nonce", "login_hint", "id_token_hint", "ui_locales", "display", "code_challenge"]

    static func check(_ parameters: FormParameters) throws(OAuthError) {
        for name in names {
            if let value = parameters[name], value.utf8.count > AuthorizationRequest.maximumLength * 4 {
                throw .invalidRequest("\(name) is too long")
            }
        }
    }
}
