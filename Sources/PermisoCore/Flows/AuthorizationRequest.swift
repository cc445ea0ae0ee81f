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
    /// The lowest authentication level `acr_values` accepts, if it names one Permiso defines.
    public var acrLevel: AuthenticationLevel? = nil
    /// The APIs the client wants access tokens for (RFC 8707 §2); `nil` when it named none.
    public var resources: [String]? = nil

    /// Where the response goes, a code or an error found after the redirect URI was trusted.
    public var responseTarget: AuthorizationResponseTarget {
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
