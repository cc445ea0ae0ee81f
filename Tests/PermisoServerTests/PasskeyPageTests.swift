import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

/// Passkeys through the pages as a browser meets them, with a software authenticator in
/// place of the browser's WebAuthn API (headless Chromium's virtual authenticator does the
/// same in the interop suite): the example config served at `http://localhost:8080`, with
/// alice's passkey listed.
@Suite("Passkeys: the pages")
struct PasskeyPageTests {
    static let origin = "http://localhost:8080"

    func withBrowser(
        listed: Bool = true,
        policy: String? = nil,
        _ body: @Sendable (Browser, TestClock, SoftwareAuthenticator) async throws -> Void
    ) async throws {
        let authenticator = SoftwareAuthenticator(rpID: "localhost", origin: Self.origin, signCount: 1)
        var passkey = try authenticator.passkey(name: "Laptop")
        passkey.created = "2026-12-04"
        let entry = PasskeyEnrollment.configEntry(passkey).split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
        let directory = try TemporaryDirectory()
        let example = try String(contentsOfFile: Repository.exampleConfig, encoding: .utf8)
            .replacingOccurrences(of: "\nkeys: keys\n", with: "\nkeys: \(Repository.root)/keys\n")
            .replacingOccurrences(of: "http://127.0.0.1:8080", with: Self.origin)
            .replacingOccurrences(
                of: "  - username: alice\n",
                with: "  - username: alice\n" + (listed ? "    passkeys:\n\(entry)\n" : "") + (policy.map { "    mfa: \($0)\n" } ?? "")
            )
        let clock = TestClock()
        let live = try await LiveDeployment(configFile: try directory.write("permiso.yaml", example), environment: [:], clock: clock)
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { try await body(Browser($0), clock, authenticator) }
    }

    static let demo = AuthorizationFlow.redirectURL(
        "/oauth/authorize",
        parameters: [
            ("client_id", "demo"), ("redirect_uri", "\(origin)/demo/callback"), ("response_type", "code"), ("scope", "openid email"),
            ("state", "s1"), ("prompt", "login"),
        ]
    )

    /// The passkey form on a page: its sealed tx, its challenge, and the options it gives the browser.
    struct PasskeyForm {
        var tx: String
        var challenge: [UInt8]
        var attributes: String
    }

    func passkeyForm(_ page: Browser.Page, action: String = Endpoint.loginPasskey) throws -> PasskeyForm {
        let form = try #require(
            page.body.firstMatch(of: try Regex(#"<form method="post" action="\#(action)"([^>]*)>\s*<input type="hidden" name="tx" value="([^"]*)""#)),
            "the page has a passkey form posting to \(action)"
        )
        let attributes = try #require(form.output[1].substring.map(String.init))
        let challenge = try #require(attributes.firstMatch(of: #/data-challenge="([^"]*)"/#)?.output.1)
        let tx = try #require(form.output[2].substring.map(String.init))
        let bytes = try #require(Data(base64URLEncoded: challenge))
        return PasskeyForm(tx: tx, challenge: Array(bytes), attributes: attributes)
    }

    func post(_ browser: Browser, _ form: PasskeyForm, _ assertion: PasskeySignIn.Assertion) async throws -> Browser.Page {
        func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64URLEncodedString }
        return try await browser.request(
            Endpoint.loginPasskey,
            method: .post,
            form: [
                "tx": form.tx, "credential_id": encode(assertion.credentialID), "client_data": encode(assertion.clientDataJSON),
                "authenticator_data": encode(assertion.authenticatorData), "signature": encode(assertion.signature),
                "user_handle": encode(assertion.userHandle),
            ]
        )
    }

    /// Exchanges the demo client's code and returns the ID token's claims.
    func idTokenClaims(_ browser: Browser, _ callback: Browser.Page) async throws -> [String: Any] {
        let tokens = try await browser.request(
            "/oauth/token",
            method: .post,
            form: ["grant_type": "authorization_code", "code": try #require(callback.query("code")), "redirect_uri": "\(Self.origin)/demo/callback"],
            headers: [.authorization: "Basic " + Data("demo:demo-secret".utf8).base64EncodedString()]
        )
        let body = try #require(try JSONSerialization.jsonObject(with: Data(tokens.body.utf8)) as? [String: Any])
        let idToken = try #require(body["id_token"] as? String)
        let payload = try #require(Data(base64URLEncoded: String(idToken.split(separator: ".")[1])))
        return try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
    }

    static let alice = WebAuthnRelyingParty.userHandle(subject: "alice")

    @Test("Sign in with a passkey, no username: amr hwk, user, mfa; the same answer again is refused and the page asks again")
    func passwordless() async throws {
        try await withBrowser { browser, _, authenticator in
            var authenticator = authenticator
            let login = try await browser.request(Self.demo)
            let form = try passkeyForm(login)
            #expect(form.attributes.contains(#"data-user-verification="required""#) && form.attributes.contains(#"data-allow="[]""#))
            #expect(form.attributes.contains(#"data-rp-id="localhost""#) && form.attributes.contains(" hidden"), "hidden until the script runs")
            #expect(login.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(login.body.contains(#"<script src="/assets/passkeys.js"></script>"#) && !login.body.contains("<script>"))
            let assertion = authenticator.assertion(challenge: form.challenge, userHandle: Self.alice)
            let done = try await post(browser, form, assertion)
            #expect(done.status == .seeOther && done.location?.path == "/demo/callback" && done.query("state") == "s1")
            let claims = try await idTokenClaims(browser, done)
            #expect(claims["amr"] as? [String] == ["hwk", "user", "mfa"] && claims["acr"] as? String == "urn:permiso:acr:mfa")
            #expect(claims["sub"] as? String == "alice")

            let again = try await post(browser, form, assertion)
            #expect(again.status == .unauthorized && again.body.contains("This passkey cannot be used to sign in here"))
            #expect(again.body.contains(#"action="/login""#), "the login page again, with a new passkey form")
            #expect(try passkeyForm(again).challenge != form.challenge)
        }
    }

    @Test("Passwordless needs user verification and a discoverable credential; a form from another browser does not open")
    func passwordlessRefusals() async throws {
        try await withBrowser { browser, _, authenticator in
            var unverified = authenticator
            unverified.flags = AuthenticatorData.userPresent
            let form = try passkeyForm(try await browser.request(Self.demo))
            let refused = try await post(browser, form, unverified.assertion(challenge: form.challenge, userHandle: Self.alice))
            #expect(refused.status == .unauthorized && !refused.setCookies.contains { $0.hasPrefix(BrowserFlow.sessionCookie + "=") })

            // Another browser, with a binding cookie of its own, posts the form shown to this one.
            let other = Browser(browser.client)
            _ = try passkeyForm(try await other.request(Self.demo))
            #expect(
                other.cookies[BrowserFlow.bindingCookie] != nil
                    && other.cookies[BrowserFlow.bindingCookie] != browser.cookies[BrowserFlow.bindingCookie]
            )
            var copy = authenticator
            let foreign = try passkeyForm(try await browser.request(Self.demo))
            let stolen = try await post(other, foreign, copy.assertion(challenge: foreign.challenge, userHandle: Self.alice))
            #expect(stolen.status == .badRequest, "bound to the browser it was shown to")
            let own = try await post(browser, foreign, copy.assertion(challenge: foreign.challenge, userHandle: Self.alice))
            #expect(own.status == .seeOther, "the same answer in the browser it was shown to works")
        }
    }

    @Test("Password, then the passkey as the second factor: no code field, only alice's credential allowed, presence enough")
    func secondFactor() async throws {
        try await withBrowser { browser, _, authenticator in
            var authenticator = authenticator
            authenticator.flags = AuthenticatorData.userPresent
            let login = try await browser.request(Self.demo)
            let second = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(second.status == .ok && second.body.contains("confirm it is you with your passkey") && !second.body.contains(#"name="code""#))
            let form = try passkeyForm(second)
            #expect(form.attributes.contains(Data(authenticator.credentialID).base64URLEncodedString))
            #expect(form.attributes.contains(#"data-user-verification="preferred""#))
            let done = try await post(browser, form, authenticator.assertion(challenge: form.challenge))
            #expect(done.status == .seeOther && done.location?.path == "/demo/callback")
            #expect(try await idTokenClaims(browser, done)["amr"] as? [String] == ["pwd", "hwk", "user", "mfa"])
        }
    }

    @Test("/account/passkeys: sign in first, then a create form whose verified answer shows the config entry")
    func enrolment() async throws {
        try await withBrowser { browser, clock, authenticator in
            var authenticator = authenticator
            let gate = try await browser.request(Endpoint.accountPasskeys)
            #expect(gate.status == .ok && gate.body.contains(#"action="/account/login""#), "no session: sign in first")
            let form = try passkeyForm(gate)
            let signedIn = try await post(browser, form, authenticator.assertion(challenge: form.challenge, userHandle: Self.alice))
            #expect(signedIn.status == .seeOther && signedIn.location?.path == Endpoint.accountPasskeys)

            let page = try await browser.request(Endpoint.accountPasskeys)
            #expect(page.status == .ok && page.body.contains("<strong>Laptop</strong>") && page.body.contains("ES256, added 2026-12-04"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let create = try passkeyForm(page, action: Endpoint.accountPasskeys)
            #expect(create.attributes.contains(#"data-passkey="create""#))
            #expect(create.attributes.contains(#"data-user-id="\#(Data(Self.alice).base64URLEncodedString)""#))
            #expect(create.attributes.contains(Data(authenticator.credentialID).base64URLEncodedString), "the listed one is excluded")

            let newKey = SoftwareAuthenticator(.eddsa, rpID: "localhost", origin: Self.origin)
            let response = newKey.registration(challenge: create.challenge)
            func submit(_ response: (clientData: [UInt8], attestationObject: [UInt8]), tx: String) async throws -> Browser.Page {
                try await browser.request(
                    Endpoint.accountPasskeys,
                    method: .post,
                    form: [
                        "tx": tx, "client_data": Data(response.clientData).base64URLEncodedString,
                        "attestation_object": Data(response.attestationObject).base64URLEncodedString, "transports": "internal hybrid",
                        "name": "Phone <b>",
                    ]
                )
            }
            let added = try await submit(response, tx: create.tx)
            #expect(added.status == .ok && added.body.contains("Passkey verified"))
            #expect(added.body.contains("id: \(Data(newKey.credentialID).base64URLEncodedString)"))
            #expect(added.body.contains("&quot;kty&quot;: &quot;OKP&quot;") && added.body.contains("transports: [internal, hybrid]"))
            #expect(added.body.contains("Phone &lt;b&gt;") && !added.body.contains("<b>"))
            let replay = try await submit(response, tx: create.tx)
            #expect(replay.status == .badRequest && replay.body.contains("could not be verified"), "the challenge works once")
            let wrongOrigin = try passkeyForm(try await browser.request(Endpoint.accountPasskeys), action: Endpoint.accountPasskeys)
            let elsewhere = try await submit(
                newKey.registration(challenge: wrongOrigin.challenge, origin: "http://evil.localhost:8080"),
                tx: wrongOrigin.tx
            )
            #expect(elsewhere.status == .badRequest)

            #expect(!added.body.contains("had no second factor"), "alice signed in with her passkey")
            #expect(added.body.contains("# verified by Permiso for a session signed in with hwk, user, mfa"))

            let unused = try passkeyForm(try await browser.request(Endpoint.accountPasskeys), action: Endpoint.accountPasskeys)
            clock.advance(PasskeyEnrollment.recentSignIn + 1)
            let stale = try await browser.request(Endpoint.accountPasskeys)
            #expect(stale.body.contains(#"action="/account/login""#), "an old sign-in must be repeated")
            let late = try await submit(newKey.registration(challenge: unused.challenge), tx: unused.tx)
            #expect(late.status == .badRequest && late.body.contains("belongs to another sign-in"), "nor does a form from before count")
        }
    }

    @Test("An enrolment form counts only for the session it was shown to: signing in again makes it stale")
    func enrolmentFormIsPerSession() async throws {
        try await withBrowser { browser, _, authenticator in
            var authenticator = authenticator
            func signIn() async throws {
                let gate = try passkeyForm(try await browser.request(Endpoint.accountPasskeys))
                _ = try await post(browser, gate, authenticator.assertion(challenge: gate.challenge, userHandle: Self.alice))
            }
            try await signIn()
            let first = try passkeyForm(try await browser.request(Endpoint.accountPasskeys), action: Endpoint.accountPasskeys)
            browser.cookies[BrowserFlow.sessionCookie] = nil
            try await signIn()
            let newKey = SoftwareAuthenticator(rpID: "localhost", origin: Self.origin)
            let response = newKey.registration(challenge: first.challenge)
            let posted = try await browser.request(
                Endpoint.accountPasskeys,
                method: .post,
                form: [
                    "tx": first.tx, "client_data": Data(response.clientData).base64URLEncodedString,
                    "attestation_object": Data(response.attestationObject).base64URLEncodedString, "name": "x",
                ]
            )
            #expect(posted.status == .badRequest && posted.body.contains("belongs to another sign-in"))
        }
    }

    @Test("A user without a second factor adds a first passkey after a password, and the page tells the reviewer so")
    func firstPasskeyAfterPassword() async throws {
        try await withBrowser(listed: false) { browser, _, _ in
            let gate = try await browser.request(Endpoint.accountPasskeys)
            let signedIn = try await browser.request(
                Endpoint.accountLogin,
                method: .post,
                form: ["tx": try #require(gate.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(signedIn.status == .seeOther && signedIn.location?.path == Endpoint.accountPasskeys)
            let create = try passkeyForm(try await browser.request(Endpoint.accountPasskeys), action: Endpoint.accountPasskeys)
            let newKey = SoftwareAuthenticator(rpID: "localhost", origin: Self.origin)
            let response = newKey.registration(challenge: create.challenge)
            let added = try await browser.request(
                Endpoint.accountPasskeys,
                method: .post,
                form: [
                    "tx": create.tx, "client_data": Data(response.clientData).base64URLEncodedString,
                    "attestation_object": Data(response.attestationObject).base64URLEncodedString, "name": "First",
                ]
            )
            #expect(added.status == .ok && added.body.contains("alice had no second factor"))
            #expect(added.body.contains("# verified by Permiso for a session signed in with pwd"))
        }
    }

    @Test("A passkey step-up counts only while the session it strengthens lasts")
    func stepUpAfterLogout() async throws {
        try await withBrowser(policy: "optional") { browser, _, authenticator in
            var authenticator = authenticator
            authenticator.flags = AuthenticatorData.userPresent
            let login = try await browser.request(Self.demo)
            let signedIn = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(signedIn.status == .seeOther, "mfa: optional, nothing asks for more: a password-only session")
            let stronger = AuthorizationFlow.redirectURL(
                "/oauth/authorize",
                parameters: [
                    ("client_id", "demo"), ("redirect_uri", "\(Self.origin)/demo/callback"), ("response_type", "code"),
                    ("scope", "openid"), ("state", "s2"), ("acr_values", "urn:permiso:acr:mfa"),
                ]
            )
            let ask = try await browser.request(stronger)
            #expect(ask.status == .ok && ask.body.contains("confirm it is you with your passkey"))
            let form = try passkeyForm(ask)
            let session = try #require(browser.cookies[BrowserFlow.sessionCookie])
            browser.cookies[BrowserFlow.sessionCookie] = nil
            let orphan = try await post(browser, form, authenticator.assertion(challenge: form.challenge))
            #expect(orphan.status == .badRequest, "the session it stepped up is gone")
            browser.cookies[BrowserFlow.sessionCookie] = session
            let done = try await post(browser, form, authenticator.assertion(challenge: form.challenge))
            #expect(done.status == .seeOther && done.query("state") == "s2")
            #expect(try await idTokenClaims(browser, done)["acr"] as? String == "urn:permiso:acr:mfa")
        }
    }

    @Test("The script is served from /assets as JavaScript; a config without passkeys shows no button and allows no script")
    func scriptAndAbsence() async throws {
        try await withBrowser(listed: false) { browser, _, _ in
            let script = try await browser.request(Endpoint.passkeyScript)
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff" && script.body.contains("navigator.credentials.get"))
            let login = try await browser.request(Self.demo)
            #expect(login.status == .ok && !login.body.contains("data-passkey") && !login.body.contains("<script"))
            #expect(login.headers[.contentSecurityPolicy]?.contains("script-src") == false)
        }
    }
}
