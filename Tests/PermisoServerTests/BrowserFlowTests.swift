import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoServer

/// A minimal browser over HummingbirdTesting: keeps cookies, does not follow redirects.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
        var setCookies: [String]

        var location: URLComponents? { headers[.location].flatMap(URLComponents.init(string:)) }
        func query(_ name: String) -> String? { location?.queryItems?.first { $0.name == name }?.value }
        func field(_ name: String) -> String? {
            body.firstMatch(of: try! Regex(#"name="\#(name)" value="([^"]*)""#))?.output[1].substring.map(String.init)
        }
    }

    func request(
        _ uri: String,
        method: HTTPRequest.Method = .get,
        form: [String: String]? = nil,
        headers extra: HTTPFields = [:]
    )
        async throws -> Page
    {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: form.map { "\(QueryEncoding.encode($0.key))=\(QueryEncoding.encode($0.value))" }.joined(separator: "&"))
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            let setCookies = response.headers[values: .setCookie]
            for header in setCookies {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                let name = String(pair[0])
                let value = pair.count > 1 ? String(pair[1]) : ""
                if value.isEmpty || header.contains("Max-Age=0") { self.cookies[name] = nil } else { self.cookies[name] = value }
            }
            return Page(status: response.status, headers: response.headers, body: String(buffer: response.body), setCookies: setCookies)
        }
    }
}

@Suite("Browser flow: authorize, login, consent, userinfo, logout")
struct BrowserFlowTests {
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    /// The demo app's request: a first-party confidential client, which never sees a consent page.
    static func demoURI(_ changes: [String: String] = [:]) -> String {
        var values = [
            "client_id": "demo", "redirect_uri": "http://127.0.0.1:8080/demo/callback", "response_type": "code",
            "scope": "openid email", "state": "s t+1",
        ]
        for (name, value) in changes { values[name] = value }
        return AuthorizationFlow.redirectURL("/oauth/authorize", parameters: values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    func authorizeURI(_ changes: [String: String?] = [:]) -> String {
        var values: [String: String] = [
            "client_id": "cli", "redirect_uri": "http://127.0.0.1/callback", "response_type": "code",
            "scope": "openid email offline_access", "state": "s t+1", "nonce": "n-1", "code_challenge": Self.challenge,
            "code_challenge_method": "S256",
        ]
        for (name, value) in changes { values[name] = value }
        return AuthorizationFlow.redirectURL("/oauth/authorize", parameters: values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    func withBrowser(_ body: @Sendable (Browser, LiveDeployment) async throws -> Void) async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { try await body(Browser($0), live) }
    }

    /// Logs in as alice and allows consent; returns the redirect with the code.
    func signIn(_ browser: Browser, _ uri: String) async throws -> Browser.Page {
        let login = try await browser.request(uri)
        #expect(login.status == .ok)
        let consent = try await browser.request(
            "/login",
            method: .post,
            form: ["tx": login.field("tx")!, "username": "alice", "password": "alice-password"]
        )
        #expect(consent.status == .ok)
        #expect(consent.body.contains("Allow Permiso CLI?"))
        return try await browser.request("/consent", method: .post, form: ["tx": consent.field("tx")!, "decision": "allow"])
    }

    @Test("The consent page names the APIs the client asked for (RFC 8707 resource), by their configured names, and only those")
    func consentNamesAPIs() async throws {
        let workspace = try Workspace()
        let example = try String(contentsOfFile: Repository.root + "/permiso.yaml", encoding: .utf8)
        // The example, with the CLI allowed to ask for the example API.
        let cliScopes = "    scopes: [openid, profile, email, offline_access]\n    idTokenSignedResponseAlg: ES256\n"
        #expect(example.contains(cliScopes))
        let edited = example.replacingOccurrences(
            of: cliScopes,
            with:
                "    scopes: [openid, profile, email, offline_access, api:read]\n    resources: [http://127.0.0.1:8080/api]\n    idTokenSignedResponseAlg: ES256\n"
        )
        try Data(edited.utf8).write(to: URL(fileURLWithPath: workspace.config))
        let live = try await LiveDeployment(configFile: workspace.config, environment: [:])
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { client in
            let browser = Browser(client)
            let login = try await browser.request(authorizeURI(["resource": "http://127.0.0.1:8080/api", "scope": "openid api:read"]))
            let named = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": login.field("tx")!, "username": "alice", "password": "alice-password"]
            )
            #expect(named.body.contains("Allow Permiso CLI?"))
            #expect(named.body.contains("<strong>Example API</strong> <span class=\"scope-name\">(http://127.0.0.1:8080/api)</span>"))
            // Without `resource`, no API is named (the public client is asked again: RFC 8252 §8.6).
            let unnamed = try await browser.request(authorizeURI(["scope": "openid api:read"]))
            #expect(unnamed.body.contains("Allow Permiso CLI?") && !unnamed.body.contains("Example API"))
            #expect(!unnamed.body.contains("With access to"))
        }
    }

    @Test("The whole flow: login, consent, code, tokens, userinfo, no silent re-authorization for a public client, logout")
    func wholeFlow() async throws {
        try await withBrowser { browser, live in
            let callback = try await signIn(browser, authorizeURI())
            #expect(callback.status == .seeOther)
            #expect(callback.location?.path == "/callback")
            #expect(callback.query("state") == "s t+1")
            #expect(callback.query("iss") == "http://127.0.0.1:8080")
            let code = try #require(callback.query("code"))

            let tokens = try await browser.request(
                "/oauth/token",
                method: .post,
                form: [
                    "grant_type": "authorization_code", "code": code, "client_id": "cli",
                    "redirect_uri": "http://127.0.0.1/callback", "code_verifier": Self.verifier,
                ]
            )
            #expect(tokens.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(tokens.body.utf8)) as! [String: Any]
            let access = try #require(json["access_token"] as? String)
            let idToken = try #require(json["id_token"] as? String)
            #expect(json["refresh_token"] is String)

            let userinfo = try await browser.request("/oauth/userinfo", headers: [.authorization: "Bearer \(access)"])
            #expect(userinfo.status == .ok)
            let claims = try JSONSerialization.jsonObject(with: Data(userinfo.body.utf8)) as! [String: Any]
            #expect(claims["sub"] as? String == "alice" && claims["email"] as? String == "alice@example.com")
            #expect(claims["name"] == nil, "profile was not granted")

            // RFC 8252 §8.6: cli is public, so its remembered consent does not make a second
            // request silent: prompt=none is consent_required, and without it the user is asked.
            let silent = try await browser.request(authorizeURI(["prompt": "none"]))
            #expect(silent.status == .found && silent.query("error") == "consent_required" && silent.query("code") == nil)
            let asked = try await browser.request(authorizeURI())
            #expect(asked.status == .ok && asked.body.contains("Allow Permiso CLI?"))
            // The session itself is remembered: a first-party confidential client's request is silent.
            let demo = try await browser.request(Self.demoURI(["prompt": "none"]))
            #expect(demo.status == .found && demo.query("code") != nil)

            // Logout with the ID token as hint signs out at once and returns to the registered URI.
            let logout = try await browser.request(
                AuthorizationFlow.redirectURL(
                    "/oauth/logout",
                    parameters: [
                        ("id_token_hint", idToken), ("post_logout_redirect_uri", "http://127.0.0.1:8080/demo/"), ("state", "bye"),
                        ("client_id", "cli"),
                    ]
                )
            )
            #expect(logout.status == .badRequest, "http://127.0.0.1:8080/demo/ is registered for demo, not for cli")
            let out = try await browser.request(
                AuthorizationFlow.redirectURL("/oauth/logout", parameters: [("id_token_hint", idToken), ("state", "bye")])
            )
            #expect(out.status == .ok && out.body.contains("You are signed out"))
            #expect(browser.cookies[BrowserFlow.sessionCookie] == nil)

            let after = try await browser.request("/oauth/userinfo", headers: [.authorization: "Bearer \(access)"])
            #expect(after.status == .unauthorized)
            #expect(after.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
            let again = try await browser.request(authorizeURI(["prompt": "none"]))
            #expect(again.query("error") == "login_required" && again.query("state") == "s t+1")
            _ = live
        }
    }

    @Test("An unregistered redirect URI gets an error page and never a redirect")
    func noOpenRedirect() async throws {
        try await withBrowser { browser, _ in
            for uri in [
                authorizeURI(["redirect_uri": "https://evil.example.com/callback"]),
                authorizeURI(["redirect_uri": "https://evil.example.com/callback", "response_type": "token"]),
                authorizeURI(["client_id": "evil"]),
                "/oauth/authorize?client_id=cli&client_id=demo",
            ] {
                let page = try await browser.request(uri)
                #expect(page.status == .badRequest, "\(uri)")
                #expect(page.headers[.location] == nil, "\(uri)")
                #expect(page.body.contains("This request cannot be completed"))
            }
        }
    }

    @Test("Pages carry CSP with frame-ancestors 'none', nosniff and no-store; the session cookie is HttpOnly and Lax")
    func pageHeaders() async throws {
        try await withBrowser { browser, _ in
            let login = try await browser.request(authorizeURI())
            let csp = try #require(login.headers[.contentSecurityPolicy])
            #expect(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"))
            #expect(!csp.contains("unsafe-inline"))
            #expect(login.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(login.headers[.cacheControl] == "no-store")
            #expect(login.body.contains(#"<label for="username">"#) && login.body.contains(#"autocomplete="current-password""#))
            let consent = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": login.field("tx")!, "username": "alice", "password": "alice-password"]
            )
            let session = try #require(consent.setCookies.first { $0.hasPrefix("permiso_session=") })
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Lax"))
            #expect(!session.contains("Secure"), "the example issuer is http on loopback")
        }
    }

    @Test("A login form posted without its binding cookie fails (CSRF)")
    func csrf() async throws {
        try await withBrowser { browser, _ in
            let login = try await browser.request(authorizeURI())
            let tx = try #require(login.field("tx"))
            let attacker = Browser(browser.client)
            let forged = try await attacker.request("/login", method: .post, form: ["tx": tx, "username": "alice", "password": "alice-password"])
            #expect(forged.status == .badRequest)
            #expect(forged.setCookies.allSatisfy { !$0.hasPrefix("permiso_session=") })
            attacker.cookies[BrowserFlow.bindingCookie] = "guessed"
            let guessed = try await attacker.request("/login", method: .post, form: ["tx": tx, "username": "alice", "password": "alice-password"])
            #expect(guessed.status == .badRequest)
            let tampered = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": tx + "A", "username": "alice", "password": "alice-password"]
            )
            #expect(tampered.status == .badRequest)
        }
    }

    @Test("Login throttling counts failures only: successes are given back, failures block even the right password")
    func throttling() async throws {
        try await withBrowser { browser, _ in
            func attempt(_ password: String) async throws -> Browser.Page {
                let person = Browser(browser.client)
                let login = try await person.request(authorizeURI())
                return try await person.request("/login", method: .post, form: ["tx": login.field("tx")!, "username": "alice", "password": password])
            }
            // Successes are given back: signing in more often than the limit is fine.
            for _ in 0..<(SignInThrottle.attemptsPerUser + 2) {
                #expect(try await attempt("alice-password").body.contains("Allow Permiso CLI?"))
            }
            // Failures stay counted: after the limit, even the right password is refused.
            for _ in 0..<SignInThrottle.attemptsPerUser {
                #expect(try await attempt("wrong").body.contains("The username or password is incorrect."))
            }
            let blocked = try await attempt("alice-password")
            #expect(blocked.status == .unauthorized && blocked.body.contains("Too many sign-in attempts"))
        }
    }

    @Test("A failed login says so without revealing whether the user exists")
    func failedLogin() async throws {
        try await withBrowser { browser, _ in
            let login = try await browser.request(authorizeURI())
            let wrong = try await browser.request("/login", method: .post, form: ["tx": login.field("tx")!, "username": "alice", "password": "nope"])
            let unknown = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": wrong.field("tx")!, "username": "nobody", "password": "nope"]
            )
            for page in [wrong, unknown] {
                #expect(page.status == .unauthorized)
                #expect(page.body.contains("The username or password is incorrect."))
                #expect(page.setCookies.allSatisfy { !$0.hasPrefix("permiso_session=") })
            }
        }
    }

    @Test("prompt=none without a session, max_age, consent denial, and form_post")
    func promptsAndModes() async throws {
        try await withBrowser { browser, _ in
            let none = try await browser.request(authorizeURI(["prompt": "none"]))
            #expect(none.status == .found && none.query("error") == "login_required" && none.query("iss") != nil)
            _ = try await signIn(browser, authorizeURI())
            // max_age=0: the login just made is already too old.
            let stale = try await browser.request(authorizeURI(["max_age": "0"]))
            #expect(stale.status == .ok && stale.body.contains("Sign in"))
            // ...and the sign-in this asks for satisfies it (OIDC Core §3.1.2.1): on to the consent
            // page a public client always gets, not the login page again.
            let fresh = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": stale.field("tx")!, "username": "alice", "password": "alice-password"]
            )
            #expect(fresh.status == .ok && fresh.body.contains("Allow Permiso CLI?"), "\(fresh.status) \(fresh.body.prefix(200))")
            let code = try await browser.request("/consent", method: .post, form: ["tx": fresh.field("tx")!, "decision": "allow"])
            #expect(code.status == .seeOther && code.query("code") != nil)
            // The same for a first-party client, which has no consent page: straight to the code.
            let demoStale = try await browser.request(Self.demoURI(["max_age": "0"]))
            #expect(demoStale.status == .ok && demoStale.body.contains("Sign in"))
            let demoFresh = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": demoStale.field("tx")!, "username": "alice", "password": "alice-password"]
            )
            #expect(demoFresh.status == .seeOther && demoFresh.query("code") != nil)

            let consent = try await browser.request(authorizeURI(["prompt": "consent"]))
            let denied = try await browser.request("/consent", method: .post, form: ["tx": consent.field("tx")!, "decision": "deny"])
            #expect(denied.query("error") == "access_denied" && denied.query("state") == "s t+1")

            let posted = try await browser.request(Self.demoURI(["response_mode": "form_post"]))
            #expect(posted.status == .ok)
            #expect(posted.body.contains(#"<form method="post" action="http://127.0.0.1:8080/demo/callback""#))
            #expect(posted.field("code") != nil && posted.field("iss") == "http://127.0.0.1:8080")
            let csp = try #require(posted.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'nonce-") && csp.contains("form-action 'self' http://127.0.0.1:8080"))
        }
    }

    @Test("Logout without a hint asks first; the confirmation needs its cookie")
    func logoutConfirmation() async throws {
        try await withBrowser { browser, _ in
            _ = try await signIn(browser, authorizeURI())
            let ask = try await browser.request("/oauth/logout")
            #expect(ask.status == .ok && ask.body.contains("Sign out?"))
            #expect(browser.cookies[BrowserFlow.sessionCookie] != nil)
            let tx = try #require(ask.field("logout_tx"))
            let forged = try await Browser(browser.client).request("/oauth/logout", method: .post, form: ["logout_tx": tx])
            #expect(forged.status == .badRequest)
            let done = try await browser.request("/oauth/logout", method: .post, form: ["logout_tx": tx])
            #expect(done.body.contains("You are signed out"))
            #expect(browser.cookies[BrowserFlow.sessionCookie] == nil)
        }
    }

    @Test("Pages load and link only their own origin, and the authorization endpoint answers no CORS (RFC 9700 §4.2.4, §2.6)")
    func pagesStayOnTheirOrigin() async throws {
        try await withBrowser { browser, _ in
            let origin: HTTPFields = [HTTPField.Name("Origin")!: "https://evil.example"]
            let login = try await browser.request(authorizeURI(), headers: origin)
            let consent = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": login.field("tx")!, "username": "alice", "password": "alice-password"]
            )
            let error = try await browser.request("/oauth/authorize?client_id=nobody", headers: origin)
            let device = try await browser.request("/device")
            let logout = try await browser.request("/oauth/logout")
            var preflightHeaders = origin
            preflightHeaders[HTTPField.Name("Access-Control-Request-Method")!] = "GET"
            let preflight = try await browser.request(authorizeURI(), method: .options, headers: preflightHeaders)
            for (name, page) in [("login", login), ("consent", consent), ("error", error), ("device", device), ("logout", logout)] {
                #expect(page.body.contains("<form") || name == "error", "\(name)")
                let pattern = /(?:src|href|action)="([^"]*)"/
                for match in page.body.matches(of: pattern) {
                    let target = String(match.output.1)
                    #expect(target.hasPrefix("/") && !target.hasPrefix("//"), "\(name) page refers to \(target)")
                }
            }
            for page in [login, error, preflight] {
                #expect(page.headers[HTTPField.Name("Access-Control-Allow-Origin")!] == nil)
                #expect(page.headers[HTTPField.Name("Access-Control-Allow-Credentials")!] == nil)
            }
        }
    }

    @Test("A redirect answering a POST is a 303, so the browser never re-posts the form (RFC 9700 §4.12)")
    func seeOtherAfterPost() async throws {
        try await withBrowser { browser, _ in
            let signedIn = try await signIn(browser, authorizeURI())
            #expect(signedIn.status == .seeOther && signedIn.query("code") != nil)
            // The same authorization request as a GET, now silent: a 302.
            let again = try await browser.request(Self.demoURI())
            #expect(again.status == .found && again.query("code") != nil)
            let logout = "/oauth/logout?client_id=demo&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fdemo%2F&state=bye"
            let ask = try await browser.request(logout)
            let tx = try #require(ask.field("logout_tx"))
            let done = try await browser.request("/oauth/logout", method: .post, form: ["logout_tx": tx])
            #expect(done.status == .seeOther && done.location?.path == "/demo/" && done.query("state") == "bye")
        }
    }

    @Test("A sealed value opens only as its own kind: a login form's tx posted as a logout confirmation signs nobody out")
    func transactionKindsDoNotMix() async throws {
        try await withBrowser { browser, _ in
            _ = try await signIn(browser, authorizeURI())
            // A fresh login form of this browser, bound to its cookie, sealed for a login.
            let login = try await browser.request(authorizeURI(["prompt": "login"]))
            let loginTx = try #require(login.field("tx"))
            let replayed = try await browser.request("/oauth/logout", method: .post, form: ["logout_tx": loginTx])
            #expect(replayed.status == .badRequest && replayed.body.contains("This sign-out form has expired"))
            #expect(browser.cookies[BrowserFlow.sessionCookie] != nil, "still signed in")
            // And the other way round: a logout confirmation is no login form.
            let ask = try await browser.request("/oauth/logout")
            let logoutTx = try #require(ask.field("logout_tx"))
            let posted = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": logoutTx, "username": "alice", "password": "alice-password"]
            )
            #expect(posted.status == .badRequest && posted.body.contains("This form has expired"))
        }
    }

    @Test("Userinfo answers RFC 6750 errors in WWW-Authenticate")
    func userinfoErrors() async throws {
        try await withBrowser { browser, _ in
            let none = try await browser.request("/oauth/userinfo")
            #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate] == "Bearer realm=\"permiso\"")
            let bad = try await browser.request("/oauth/userinfo", headers: [.authorization: "Bearer not.a.jwt"])
            #expect(bad.status == .unauthorized && bad.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
            let service = try await browser.request(
                "/oauth/token",
                method: .post,
                form: ["grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret"]
            )
            let token = try #require((try JSONSerialization.jsonObject(with: Data(service.body.utf8)) as? [String: Any])?["access_token"] as? String)
            let scoped = try await browser.request("/oauth/userinfo", headers: [.authorization: "Bearer \(token)"])
            #expect(scoped.status == .forbidden && scoped.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true)
            // RFC 6750 §2.3 and RFC 9700 §4.3.2: a token in the query is never read, so it is no credential at all.
            let query = try await browser.request("/oauth/userinfo?access_token=\(token)")
            #expect(query.status == .unauthorized && query.headers[.wwwAuthenticate] == "Bearer realm=\"permiso\"")
        }
    }

    @Test("id_token_hint at authorize: verified, and only the hinted user's session answers silently")
    func idTokenHintAtAuthorize() async throws {
        try await withBrowser { browser, live in
            _ = try await signIn(browser, authorizeURI())
            func hint(for subject: String) async throws -> String {
                let claims = IDTokenClaims(
                    iss: "http://127.0.0.1:8080",
                    sub: subject,
                    clientID: "cli",
                    exp: Date().addingTimeInterval(-60),
                    iat: Date().addingTimeInterval(-660),
                    authTime: 0,
                    nonce: nil,
                    atHash: nil,
                    sid: "s",
                    amr: ["pwd"],
                    userClaims: [:]
                )
                return try live.snapshot.signer.sign(claims, algorithm: .es256, type: .idToken)
            }
            // An expired but authentic hint for the logged-in user: a code, silently (demo is first-party).
            let alice = try await browser.request(Self.demoURI(["prompt": "none", "id_token_hint": try await hint(for: "alice")]))
            #expect(alice.query("code") != nil)
            // A hint for someone else: that user is not logged in here.
            let bob = try await browser.request(Self.demoURI(["prompt": "none", "id_token_hint": try await hint(for: "bob")]))
            #expect(bob.query("error") == "login_required")
            // A forged hint is refused at the redirect URI, with state.
            let forged = try await browser.request(authorizeURI(["id_token_hint": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."]))
            #expect(forged.query("error") == "invalid_request" && forged.query("state") == "s t+1")
        }
    }

    @Test("With the state store down: flows that need it answer temporarily_unavailable, the rest keep serving, and it resumes")
    func storeOutage() async throws {
        let store = SwitchableStore()
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:], store: store)
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { client in
            let browser = Browser(client)
            let code = try #require(try await signIn(browser, authorizeURI()).query("code"))
            let redeem: [String: String] = [
                "grant_type": "authorization_code", "code": code, "client_id": "cli",
                "redirect_uri": "http://127.0.0.1/callback", "code_verifier": Self.verifier,
            ]
            let secondCode = try #require(try await browser.request(Self.demoURI(["prompt": "none"])).query("code"))
            let tokens = try await browser.request("/oauth/token", method: .post, form: redeem)
            let json = try JSONSerialization.jsonObject(with: Data(tokens.body.utf8)) as! [String: Any]
            let access = try #require(json["access_token"] as? String)

            store.down.store(true, ordering: .relaxed)
            // The session cannot be checked against logouts: the client hears so, with its state.
            let authorize = try await browser.request(authorizeURI(["prompt": "none"]))
            #expect(authorize.query("error") == "temporarily_unavailable" && authorize.query("state") == "s t+1")
            // Single use cannot be enforced: the code is not redeemed (fail closed), and stays usable.
            let blocked = ["grant_type": "authorization_code", "code": secondCode, "redirect_uri": "http://127.0.0.1:8080/demo/callback"]
            let demoSecret: HTTPFields = [.authorization: "Basic " + Data("demo:demo-secret".utf8).base64EncodedString()]
            let exchange = try await browser.request("/oauth/token", method: .post, form: blocked, headers: demoSecret)
            #expect(exchange.status == .serviceUnavailable && exchange.body.contains("temporarily_unavailable"))
            // Login attempts cannot be counted: an HTML page says so with 503.
            let stranger = Browser(client)
            let form = try await stranger.request(authorizeURI())
            let login = try await stranger.request(
                "/login",
                method: .post,
                form: ["tx": try #require(form.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(login.status == .serviceUnavailable && login.body.contains("temporarily_unavailable"))
            // What needs no state keeps working.
            let userinfo = try await browser.request("/oauth/userinfo", headers: [.authorization: "Bearer \(access)"])
            #expect(userinfo.status == .ok)
            let service = try await browser.request(
                "/oauth/token",
                method: .post,
                form: ["grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret"]
            )
            #expect(service.status == .ok)
            #expect(try await browser.request("/.well-known/openid-configuration").status == .ok)

            store.down.store(false, ordering: .relaxed)
            let resumed = try await browser.request("/oauth/token", method: .post, form: blocked, headers: demoSecret)
            #expect(resumed.status == .ok, "the code refused during the outage redeems once the store is back")
        }
    }
}
