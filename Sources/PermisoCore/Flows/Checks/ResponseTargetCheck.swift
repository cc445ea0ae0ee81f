/// How the response is delivered, decided before anything else may fail, so every later
/// error reaches the client the way it asked: `state` within bounds (it is echoed), and
/// `response_mode` one Permiso offers (OAuth 2.0 Multiple Response Types §2.1; Form Post
/// Response Mode). An unknown mode is reported with the default one, `query`.
enum ResponseTargetCheck {
    static func check(
        _ parameters: FormParameters,
        redirectURI: String
    ) throws(AuthorizationRequestError) -> AuthorizationResponseTarget {
        var target = AuthorizationResponseTarget(redirectURI: redirectURI, responseMode: .query, state: parameters["state"])
        let limit = AuthorizationRequest.maximumLength
        if let state = parameters["state"], state.utf8.count > limit {
            target.state = nil
            throw .redirect(.invalidRequest("state is longer than \(limit) bytes"), target)
        }
        if let mode = parameters["response_mode"] {
            guard let responseMode = AuthorizationRequest.ResponseMode(rawValue: mode) else {
                throw .redirect(.invalidRequest("response_mode must be query or form_post"), target)
            }
            target.responseMode = responseMode
        }
        return target
    }
}
