public import Foundation

/// What the authorize endpoint does with a valid request, given the browser's session.
public enum AuthorizationDecision: Sendable, Equatable {
    /// Show the login page.
    case login
    /// Ask this session's user for their second factor: the session is weaker than the
    /// client or the request needs (step-up).
    case stepUp(LoginSession)
    /// Show the consent page.
    case consent
    /// Redirect with a code.
    case issueCode(LoginSession)
    /// Redirect with this error.
    case fail(OAuthError)
}

/// The authorization code flow's decisions and its response, with no HTTP in it.
public struct AuthorizationFlow: Sendable {
    public var deployment: Deployment
    public var sealer: Sealer

    public init(deployment: Deployment, sealer: Sealer) {
        self.deployment = deployment
        self.sealer = sealer
    }

    /// OIDC Core §3.1.2.1 and §3.1.2.3: prompt, max_age and consent decide what the user sees.
    ///
    /// - Parameter consented: the user has just answered this request's consent page.
    public func decide(
        _ request: AuthorizationRequest,
        session: LoginSession?,
        now: Date,
        consented: Bool = false
    ) -> AuthorizationDecision {
        let usable = session.flatMap { session -> LoginSession? in
            // OIDC Core §3.1.2.1: with id_token_hint, only the hinted user's session counts.
            guard !request.prompt.contains(.login), session.isFresh(maxAge: request.maxAge, now: now),
                request.hintSubject == nil || request.hintSubject == session.subject,
                deployment.config.user(subject: session.subject) != nil
            else { return nil }
            return session
        }
        guard let session = usable else {
            return request.prompt.contains(.none) ? .fail(.loginRequired("the user is not logged in")) : .login
        }
        guard let client = deployment.config.client(id: request.clientID) else {
            return .fail(.unauthorizedClient("the client no longer exists"))
        }
        let user = deployment.config.user(subject: session.subject)
        let level = AuthenticationLevel(amr: session.amr)
        // What must be met (the client's and the user's policy) and what is only asked for
        // (`acr_values`, a voluntary claim: OIDC Core §3.1.2.1, met when it can be).
        let enforced = Self.enforcedLevel(client: client, user: user)
        if level < max(enforced, request.acrLevel ?? .password) {
            let canStepUp = user?.hasSecondFactor == true
            if level < enforced && !canStepUp {
                return .fail(.accessDenied("this application needs a second factor, and none is set up for this user"))
            }
            if canStepUp && !request.prompt.contains(.none) { return .stepUp(session) }
            if level < enforced { return .fail(.interactionRequired("this application needs a second factor")) }
            // Only asked for, and not possible silently: the ID token's acr tells the client.
        }
        // RFC 8252 §8.6: a public client's identity cannot be assured (any local app can
        // listen on a loopback port or claim a custom scheme), so a remembered consent never
        // makes its request silent, first-party or not: the user is asked each time.
        if client.isPublic && !consented {
            return request.prompt.contains(.none)
                ? .fail(.consentRequired("a public client's request needs the user's consent each time (RFC 8252 section 8.6)")) : .consent
        }
        let needsConsent =
            !client.firstParty && !consented
            && (request.prompt.contains(.consent) || !session.hasConsented(client: client.id, to: request.scopes))
        if needsConsent {
            return request.prompt.contains(.none) ? .fail(.consentRequired("the user has not consented")) : .consent
        }
        return .issueCode(session)
    }

    /// The level every session for `client` and `user` must have: a second factor when the
    /// client requires one (`requireMFA`) or the user's policy does (`mfa: required`, with a
    /// factor set up). A weaker session steps up or is refused, whatever the request says.
    public static func enforcedLevel(client: ClientConfig?, user: UserConfig?) -> AuthenticationLevel {
        client?.requireMFA == true || (user?.hasSecondFactor == true && user?.mfa == .required) ? .multiFactor : .password
    }

    /// The level a new sign-in for `request` aims for: the enforced one, raised by what
    /// `acr_values` asks for.
    public static func requiredLevel(_ request: AuthorizationRequest, client: ClientConfig?) -> AuthenticationLevel {
        max(request.acrLevel ?? .password, enforcedLevel(client: client, user: nil))
    }

    /// Seals a code for the request and session, valid for the configured code lifetime (≤ 60 s).
    public func issueCode(_ request: AuthorizationRequest, session: LoginSession, now: Date) throws -> String {
        let code = AuthorizationCode(
            clientID: request.clientID,
            redirectURI: request.redirectURISent ? request.redirectURI : nil,
            subject: session.subject,
            scopes: request.scopes,
            nonce: request.nonce,
            codeChallenge: request.codeChallenge,
            authTime: Date(timeIntervalSince1970: TimeInterval(session.authTime)),
            sessionID: session.sessionID,
            amr: session.amr,
            resources: request.resources,
            issuedAt: now
        )
        let lifetime = TimeInterval(deployment.config.lifetimes.authorizationCode)
        return try sealer.seal(code, purpose: .code, expiresAt: now.addingTimeInterval(lifetime))
    }

    /// The parameters of an authorization response: the given ones, then `state` and `iss` (RFC 9207).
    public func responseParameters(
        _ parameters: [(String, String)],
        target: AuthorizationResponseTarget
    ) -> [(
        String, String
    )] {
        var all = parameters
        if let state = target.state { all.append(("state", state)) }
        all.append(("iss", deployment.config.issuer.absoluteString))
        return all
    }

    public func errorParameters(_ error: OAuthError, target: AuthorizationResponseTarget) -> [(String, String)] {
        responseParameters([("error", error.code), ("error_description", error.description)], target: target)
    }

    /// The redirect URI with the parameters added to its query (response_mode=query).
    public static func redirectURL(_ redirectURI: String, parameters: [(String, String)]) -> String {
        let query = parameters.map { "\(QueryEncoding.encode($0.0))=\(QueryEncoding.encode($0.1))" }.joined(separator: "&")
        let (base, fragment) = split(redirectURI)
        let separator = base.contains("?") ? "&" : "?"
        return base + separator + query + (fragment ?? "")
    }

    private static func split(_ uri: String) -> (String, String?) {
        guard let hash = uri.firstIndex(of: "#") else { return (uri, nil) }
        return (String(uri[..<hash]), String(uri[hash...]))
    }
}

/// Percent-encoding for query values: everything but RFC 3986's unreserved characters, so
/// `+`, `&` and `=` in a state value survive any server's form decoding.
public enum QueryEncoding {
    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    public static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}
