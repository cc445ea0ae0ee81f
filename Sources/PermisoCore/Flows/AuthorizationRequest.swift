/// A validated authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).
///
/// It travels sealed through the login and consent forms, so every instance can continue it.
public struct AuthorizationRequest: Codable, Sendable, Equatable {
    public enum ResponseMode: String, Codable, Sendable {
        case query
        /// OAuth 2.0 Form Post Response Mode: the browser POSTs the response to the client.
        case formPost = "form_post"
    }

    public enum Prompt: String, Codable, Sendable, CaseIterable {
        case none, login, consent
    }

    public var clientID: String
    /// The URI the response goes to: the requested one, or the only registered one.
    public var redirectURI: String
    /// Whether the request named it, so the token request must repeat it (RFC 6749 §4.1.3).
    public var redirectURISent: Bool
    public var responseMode: ResponseMode
    public var scopes: [String]
    public var state: String?
    public var nonce: String?
    public var codeChallenge: String?
    public var prompt: Set<Prompt>
    public var maxAge: Int?
    public var loginHint: String?
    /// The raw `id_token_hint`, until the endpoint verifies it (signatures need the signer).
    public var idTokenHint: String?
    /// The subject of a verified `id_token_hint`: only that user's session may answer.
    public var hintSubject: String?

    /// Where errors found after the redirect URI was trusted are sent.
    public var errorTarget: AuthorizationResponseTarget {
        AuthorizationResponseTarget(redirectURI: redirectURI, responseMode: responseMode, state: state)
    }
}

/// Where and how an authorization response is delivered.
public struct AuthorizationResponseTarget: Sendable, Equatable {
    public var redirectURI: String
    public var responseMode: AuthorizationRequest.ResponseMode
    public var state: String?
}

/// A rejected authorization request, and whether the redirect URI may be told.
public enum AuthorizationRequestError: Error, Sendable, Equatable {
    /// Before the client and redirect URI were validated: show an error page, never redirect
    /// (RFC 6749 §4.1.2.1).
    case untrusted(OAuthError)
    /// After: redirect the error to the client with `state` and `iss` (RFC 9207).
    case redirect(OAuthError, AuthorizationResponseTarget)
}

extension AuthorizationRequest {
    static let maximumLength = 2_048

    /// Runs the checks in the order that decides how an error may be reported.
    public static func validate(
        _ parameters: FormParameters,
        config: PermisoConfig
    ) throws(AuthorizationRequestError)
        -> AuthorizationRequest
    {
        // 1. The client and its redirect URI: until both are known, nothing is redirected.
        guard let clientID = parameters["client_id"] else {
            throw .untrusted(.invalidRequest("client_id is required"))
        }
        guard let client = config.client(id: clientID) else {
            throw .untrusted(.invalidRequest("unknown client_id"))
        }
        let redirectURI: String
        do {
            redirectURI = try RedirectURIMatch.resolve(parameters["redirect_uri"], for: client)
        } catch {
            throw .untrusted(error)
        }
        // 2. How to answer: an unknown response_mode is reported with the default one.
        var target = AuthorizationResponseTarget(redirectURI: redirectURI, responseMode: .query, state: parameters["state"])
        if let state = parameters["state"], state.utf8.count > maximumLength {
            target.state = nil
            throw .redirect(.invalidRequest("state is longer than \(maximumLength) bytes"), target)
        }
        if let mode = parameters["response_mode"] {
            guard let responseMode = ResponseMode(rawValue: mode) else {
                throw .redirect(.invalidRequest("response_mode must be query or form_post"), target)
            }
            target.responseMode = responseMode
        }
        func fail(_ error: OAuthError) -> AuthorizationRequestError { .redirect(error, target) }

        // 3. What is asked for.
        guard parameters["response_type"] == "code" else {
            throw fail(.unsupportedResponseType("response_type must be code; implicit and hybrid flows are not offered"))
        }
        guard client.grantTypes.contains(.authorizationCode) else {
            throw fail(.unauthorizedClient("this client may not use the authorization code flow"))
        }
        if parameters["request"] != nil { throw fail(.requestNotSupported("request objects are not supported")) }
        if parameters["request_uri"] != nil { throw fail(.requestURINotSupported("request_uri is not supported")) }
        let scopes: [String]
        do {
            scopes = try ScopeRequest.parse(parameters["scope"], client: client, config: config)
        } catch {
            throw fail(error)
        }
        let challenge: String?
        do {
            challenge = try PKCE.checkChallenge(
                parameters["code_challenge"],
                method: parameters["code_challenge_method"],
                required: client.requirePKCE
            )
        } catch {
            throw fail(error)
        }
        var prompt: Set<Prompt> = []
        for value in (parameters["prompt"] ?? "").split(separator: " ") {
            guard let item = Prompt(rawValue: String(value)) else {
                throw fail(.invalidRequest("prompt \(value) is not supported; use none, login or consent"))
            }
            prompt.insert(item)
        }
        // OIDC Core §3.1.2.1: none must stand alone.
        if prompt.contains(.none) && prompt.count > 1 {
            throw fail(.invalidRequest("prompt none cannot be combined with other values"))
        }
        var maxAge: Int?
        if let text = parameters["max_age"] {
            guard let value = Int(text), value >= 0 else { throw fail(.invalidRequest("max_age must be a whole number of seconds")) }
            maxAge = value
        }
        for name in ["nonce", "login_hint", "id_token_hint", "ui_locales", "display", "code_challenge"] {
            if let value = parameters[name], value.utf8.count > maximumLength * 4 {
                throw fail(.invalidRequest("\(name) is too long"))
            }
        }
        return AuthorizationRequest(
            clientID: clientID,
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
            hintSubject: nil
        )
    }
}
