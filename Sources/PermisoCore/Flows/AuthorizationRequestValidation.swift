extension AuthorizationRequest {
    /// The longest `state` echoed back; other values may be four times this.
    static let maximumLength = 2_048

    /// The checks of an authorization request, in the order that decides how an error may
    /// be reported; each is a small unit in `Checks/` with its own tests.
    ///
    /// 1. `ClientCheck`, `RedirectURIMatch`: until both pass, errors show a page and never
    ///    redirect (RFC 6749 §4.1.2.1).
    /// 2. `ResponseTargetCheck`: `state` and `response_mode`, so later errors reach the
    ///    client the way it asked.
    /// 3. `ResponseTypeCheck`, `RequestObjectCheck`, `ScopeRequest`, `ResourceRequest`, `PKCE`, `PromptCheck`,
    ///    `MaxAgeCheck`, `AcrValuesCheck`, `ParameterLengthCheck`: errors redirect with
    ///    `state` and `iss`.
    public static func validate(
        _ parameters: FormParameters,
        config: PermisoConfig
    ) throws(AuthorizationRequestError)
        -> AuthorizationRequest
    {
        let client: ClientConfig
        let redirectURI: String
        do {
            client = try ClientCheck.check(parameters, config: config)
            redirectURI = try RedirectURIMatch.resolve(parameters["redirect_uri"], for: client)
        } catch {
            throw .untrusted(error)
        }
        let target = try ResponseTargetCheck.check(parameters, redirectURI: redirectURI)
        do {
            try ResponseTypeCheck.check(parameters, client: client)
            try RequestObjectCheck.check(parameters)
            let scopes = try ScopeRequest.parse(parameters["scope"], client: client, config: config)
            let resources = try ResourceRequest.parse(parameters, scopes: scopes, client: client, config: config)
            let challenge = try PKCE.checkChallenge(
                parameters["code_challenge"],
                method: parameters["code_challenge_method"],
                required: client.requirePKCE
            )
            let prompt = try PromptCheck.parse(parameters["prompt"])
            let maxAge = try MaxAgeCheck.parse(parameters["max_age"])
            let acrLevel = AcrValuesCheck.parse(parameters["acr_values"])
            try ParameterLengthCheck.check(parameters)
            return AuthorizationRequest(
                clientID: client.id,
                redirectURI: redirectURI,
                redirectURISent: parameters["redirect_uri"] != nil,
                responseMode: target.responseMode,
                scopes: scopes,
                state: target.state,
                nonce: parameters["nonce"],
                codeChallenge: challenge,
                prompt: prompt,
                maxAge: maxAge,
                loginHint: parameters["login_hint"],
                idTokenHint: parameters["id_token_hint"],
                hintSubject: nil,
                acrLevel: acrLevel,
                resources: resources.isEmpty ? nil : resources
            )
        } catch {
            throw .redirect(error, target)
        }
    }
}
