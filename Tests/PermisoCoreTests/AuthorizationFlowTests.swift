import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("Authorization requests and decisions")
struct AuthorizationFlowTests {
    let deployment: Deployment
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    init() throws {
        deployment = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:])
    }

    /// A valid request from the public `cli` client, with one parameter changed or removed.
    func request(_ changes: [String: String?] = [:]) -> FormParameters {
        var values: [String: String] = [
            "client_id": "cli", "redirect_uri": "http://127.0.0.1/callback", "response_type": "code",
            "scope": "openid email", "state": "xyz", "nonce": "n1", "code_challenge": Self.challenge,
            "code_challenge_method": "S256",
        ]
        for (name, value) in changes { values[name] = value }
        return FormParameters(values)
    }

    func validate(_ changes: [String: String?] = [:]) throws(AuthorizationRequestError) -> AuthorizationRequest {
        try AuthorizationRequest.validate(request(changes), config: deployment.config)
    }

    let target = AuthorizationResponseTarget(redirectURI: "http://127.0.0.1/callback", responseMode: .query, state: "xyz")

    @Test("A valid request keeps every parameter the flow needs")
    func valid() throws {
        let request = try validate(["prompt": "consent", "max_age": "300", "login_hint": "alice", "response_mode": "form_post"])
        #expect(request.clientID == "cli" && request.redirectURI == "http://127.0.0.1/callback" && request.redirectURISent)
        #expect(request.scopes == ["openid", "email"] && request.state == "xyz" && request.nonce == "n1")
        #expect(request.codeChallenge == Self.challenge && request.prompt == [.consent] && request.maxAge == 300)
        #expect(request.loginHint == "alice" && request.responseMode == .formPost)
    }

    @Test("An unknown client or an unregistered redirect URI is never redirected to")
    func untrusted() {
        #expect(throws: AuthorizationRequestError.untrusted(.invalidRequest("unknown client_id"))) {
            try validate(["client_id": "evil"])
        }
        #expect(throws: AuthorizationRequestError.untrusted(.invalidRequest("client_id is required"))) {
            try validate(["client_id": nil])
        }
        for uri in ["https://evil.example.com/callback", "http://127.0.0.1/callback/../evil", "http://127.0.0.1/callbackx"] {
            #expect(throws: AuthorizationRequestError.untrusted(.invalidRequest("redirect_uri is not registered for this client"))) {
                try validate(["redirect_uri": uri])
            }
        }
        // Even with every other parameter wrong, the redirect URI check wins.
        #expect(throws: AuthorizationRequestError.untrusted(.invalidRequest("redirect_uri is not registered for this client"))) {
            try validate(["redirect_uri": "https://evil.example.com/", "response_type": "token", "scope": "admin"])
        }
    }

    @Test(
        "Errors after the redirect URI is trusted go back to it with state",
        arguments: [
            (["response_type": "token"], OAuthError.unsupportedResponseType("response_type must be code; implicit and hybrid flows are not offered")),
            (["response_type": nil], OAuthError.unsupportedResponseType("response_type must be code; implicit and hybrid flows are not offered")),
            (["scope": "openid admin"], OAuthError.invalidScope("unknown scope admin")),
            (["scope": "openid groups"], OAuthError.invalidScope("scope groups is not allowed for this client")),
            (["code_challenge_method": "plain"], OAuthError.invalidRequest("code_challenge_method must be S256; plain is not supported")),
            (
                ["code_challenge": nil, "code_challenge_method": nil],
                OAuthError.invalidRequest("this client must use PKCE: send code_challenge with method S256")
            ),
            (["prompt": "none login"], OAuthError.invalidRequest("prompt none cannot be combined with other values")),
            (["prompt": "select_account"], OAuthError.invalidRequest("prompt select_account is not supported; use none, login or consent")),
            (["max_age": "-1"], OAuthError.invalidRequest("max_age must be a whole number of seconds")),
            (["request": "eyJ..."], OAuthError.requestNotSupported("request objects are not supported")),
            (["request_uri": "https://x"], OAuthError.requestURINotSupported("request_uri is not supported")),
            (["response_mode": "fragment"], OAuthError.invalidRequest("response_mode must be query or form_post")),
        ] as [([String: String?], OAuthError)]
    )
    func redirectedErrors(_ changes: [String: String?], _ error: OAuthError) {
        #expect(throws: AuthorizationRequestError.redirect(error, target)) { try validate(changes) }
    }

    func session(authAge: TimeInterval = 60, consents: [String: [String]] = [:]) -> LoginSession {
        LoginSession(subject: "alice", authTime: now.addingTimeInterval(-authAge), sessionID: "s", amr: ["pwd"], consents: consents)
    }

    @Test("A session weaker than the client, the user's policy or acr_values needs steps up; what is enforced refuses, acr_values only asks")
    func stepUp() throws {
        let mfa = "urn:permiso:acr:mfa"
        let password = "urn:permiso:acr:password"
        var withTOTP = deployment
        let alice = try #require(withTOTP.config.users.firstIndex { $0.username == "alice" })
        withTOTP.config.users[alice].totp = TOTPConfig(secret: Array(repeating: 7, count: 20))
        withTOTP.config.users[alice].mfa = .optional
        let weak = session(consents: ["cli": ["openid", "email"]])
        var strong = weak
        strong.amr = TOTPSignIn.methods
        // acr_values: the lowest level Permiso knows among those listed; unknown ones ask for nothing.
        #expect(try validate(["acr_values": "urn:other:gold \(mfa)"]).acrLevel == .multiFactor)
        #expect(try validate(["acr_values": "\(mfa) \(password)"]).acrLevel == .password)
        #expect(try validate(["acr_values": "urn:other:gold"]).acrLevel == nil)
        #expect(try decide(["acr_values": mfa], session: weak, consented: true, in: withTOTP) == .stepUp(weak))
        #expect(try decide(["acr_values": mfa], session: strong, consented: true, in: withTOTP) == .issueCode(strong))
        #expect(try decide(["acr_values": "\(mfa) \(password)"], session: weak, consented: true, in: withTOTP) == .issueCode(weak))
        // acr_values is a voluntary claim (OIDC Core §3.1.2.1): silently, or for a user with no
        // second factor, the code is issued at the session's level, which the ID token's acr states.
        #expect(try decide(["acr_values": mfa, "prompt": "none"], session: weak, consented: true, in: withTOTP) == .issueCode(weak))
        #expect(try decide(["acr_values": mfa], session: weak, consented: true) == .issueCode(weak))
        // requireMFA on the client is enforced: step up, interaction_required silently, refused without a factor.
        var strict = withTOTP
        let cli = try #require(strict.config.clients.firstIndex { $0.id == "cli" })
        strict.config.clients[cli].requireMFA = true
        #expect(try decide(session: weak, consented: true, in: strict) == .stepUp(weak))
        #expect(
            try decide(["acr_values": password], session: weak, consented: true, in: strict) == .stepUp(weak),
            "acr_values cannot lower the floor"
        )
        #expect(
            try decide(["prompt": "none"], session: weak, consented: true, in: strict)
                == .fail(.interactionRequired("this application needs a second factor"))
        )
        #expect(try decide(session: strong, consented: true, in: strict) == .issueCode(strong))
        var strictNoFactor = deployment
        strictNoFactor.config.clients[cli].requireMFA = true
        #expect(
            try decide(session: weak, consented: true, in: strictNoFactor)
                == .fail(.accessDenied("this application needs a second factor, and none is set up for this user"))
        )
        // mfa: required on the user is enforced on every client, for sessions older than the policy too.
        var required = withTOTP
        required.config.users[alice].mfa = .required
        #expect(try decide(session: weak, consented: true, in: required) == .stepUp(weak))
        #expect(try decide(session: strong, consented: true, in: required) == .issueCode(strong))
        #expect(AuthenticationLevel(amr: ["pwd"]) == .password && AuthenticationLevel(amr: TOTPSignIn.methods) == .multiFactor)
    }

    func decide(
        _ changes: [String: String?] = [:],
        session: LoginSession?,
        consented: Bool = false,
        in deployment: Deployment? = nil
    ) throws -> AuthorizationDecision {
        let deployment = deployment ?? self.deployment
        let flow = AuthorizationFlow(deployment: deployment, sealer: Sealer(active: .generate(), issuer: "x"))
        return flow.decide(try validate(changes), session: session, now: now, consented: consented)
    }

    @Test("prompt, max_age and consent decide between login, consent, a code and an error")
    func decisions() throws {
        let consented = session(consents: ["cli": ["openid", "email"]])
        #expect(try decide(session: nil) == .login)
        #expect(try decide(["prompt": "none"], session: nil) == .fail(.loginRequired("the user is not logged in")))
        #expect(try decide(["prompt": "login"], session: consented) == .login)
        #expect(try decide(["max_age": "30"], session: consented) == .login)
        // cli is a public client: its remembered consent never makes a request silent (RFC 8252 §8.6).
        #expect(try decide(["max_age": "120"], session: consented) == .consent)
        #expect(try decide(session: session()) == .consent)
        let publicClient = OAuthError.consentRequired("a public client's request needs the user's consent each time (RFC 8252 section 8.6)")
        #expect(try decide(["prompt": "none"], session: session()) == .fail(publicClient))
        #expect(try decide(["prompt": "none"], session: consented) == .fail(publicClient))
        #expect(try decide(session: consented) == .consent)
        // Once the user answered the consent page, the code follows.
        #expect(try decide(session: consented, consented: true) == .issueCode(consented))
        #expect(try decide(["prompt": "consent"], session: consented) == .consent)
        // The same client made confidential: a remembered consent is silent; prompt=consent asks again.
        var confidential = deployment
        let index = try #require(confidential.config.clients.firstIndex { $0.id == "cli" })
        confidential.config.clients[index].authMethod = .clientSecretBasic
        confidential.config.clients[index].secretHash = Fixture.secretHash
        #expect(try decide(session: consented, in: confidential) == .issueCode(consented))
        #expect(try decide(["max_age": "120"], session: consented, in: confidential) == .issueCode(consented))
        #expect(try decide(["prompt": "consent"], session: consented, in: confidential) == .consent)
        #expect(try decide(["prompt": "none"], session: session(), in: confidential) == .fail(.consentRequired("the user has not consented")))
        // Consent to fewer scopes does not cover more.
        #expect(try decide(session: session(consents: ["cli": ["openid"]]), in: confidential) == .consent)
        // A session whose user was removed from the config is no session.
        var ghost = consented
        ghost.subject = "mallory"
        #expect(try decide(session: ghost) == .login)
    }

    @Test("First-party clients skip consent")
    func firstParty() throws {
        let request = try AuthorizationRequest.validate(
            FormParameters(["client_id": "demo", "response_type": "code", "scope": "openid profile"]),
            config: deployment.config
        )
        let flow = AuthorizationFlow(deployment: deployment, sealer: Sealer(active: .generate(), issuer: "x"))
        #expect(flow.decide(request, session: session(), now: now) == .issueCode(session()))
        #expect(request.redirectURI == "http://127.0.0.1:8080/demo/callback" && !request.redirectURISent)
    }

    @Test("Response parameters are appended with state and iss, strictly percent-encoded")
    func responseURL() {
        let flow = AuthorizationFlow(deployment: deployment, sealer: Sealer(active: .generate(), issuer: "x"))
        let target = AuthorizationResponseTarget(redirectURI: "https://app.example.com/cb?tenant=a", responseMode: .query, state: "a+b&c=d é")
        let url = AuthorizationFlow.redirectURL(target.redirectURI, parameters: flow.responseParameters([("code", "C-1_x")], target: target))
        #expect(url == "https://app.example.com/cb?tenant=a&code=C-1_x&state=a%2Bb%26c%3Dd%20%C3%A9&iss=http%3A%2F%2F127.0.0.1%3A8080")
        let components = URLComponents(string: url)!
        #expect(components.queryItems?.first { $0.name == "state" }?.value == "a+b&c=d é")
    }

    @Test("The login transaction is bound to its cookie")
    func transactionBinding() throws {
        let transaction = LoginTransaction(request: try validate(), bindingCookie: "cookie-value")
        #expect(transaction.isBound(to: "cookie-value"))
        #expect(!transaction.isBound(to: "other"))
        #expect(!transaction.isBound(to: nil))
    }

    @Test("With a verified id_token_hint, only the hinted user's session answers")
    func idTokenHint() throws {
        let flow = AuthorizationFlow(deployment: deployment, sealer: Sealer(active: .generate(), issuer: "x"))
        let alice = session(consents: ["cli": ["openid", "email"]])
        var request = try validate()
        request.hintSubject = "bob"
        #expect(flow.decide(request, session: alice, now: now) == .login)
        request.prompt = [.none]
        #expect(flow.decide(request, session: alice, now: now) == .fail(.loginRequired("the user is not logged in")))
        request.hintSubject = "alice"
        // The hinted user's session answers: for the public cli, with the consent it always needs.
        #expect(flow.decide(request, session: alice, now: now, consented: true) == .issueCode(alice))
    }
}
