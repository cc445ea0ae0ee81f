import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

/// Sign-in with a password and a TOTP code, through the pages as a browser meets them: the
/// example config, with alice's authenticator secret given by `${ALICE_TOTP}`.
@Suite("Second factor: TOTP after the password")
struct SecondFactorTests {
    static let secret = Array("12345678901234567890".utf8)

    /// - Parameter policy: alice's `mfa:` setting, when not the default.
    func withBrowser(
        policy: String? = nil,
        strictCLI: Bool = false,
        recoveryCodes: [String] = [],
        _ body: @Sendable (Browser, TestClock, TOTPConfig) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        let example = try String(contentsOfFile: Repository.exampleConfig, encoding: .utf8)
            .replacingOccurrences(of: "\nkeys: keys\n", with: "\nkeys: \(Repository.root)/keys\n")
            .replacingOccurrences(
                of: "  - username: alice\n",
                with: "  - username: alice\n    totp:\n      secret: ${ALICE_TOTP}\n" + (policy.map { "    mfa: \($0)\n" } ?? "")
                    + (recoveryCodes.isEmpty
                        ? ""
                        : "    recoveryCodes:\n"
                            + recoveryCodes.map { "      - \(RecoveryCodeSignIn.hash(RecoveryCodeSignIn.normalize($0)!))\n" }.joined())
            )
            .replacingOccurrences(of: "  - id: cli\n", with: strictCLI ? "  - id: cli\n    requireMFA: true\n" : "  - id: cli\n")
        let file = try directory.write("permiso.yaml", example)
        let clock = TestClock()
        let live = try await LiveDeployment(configFile: file, environment: ["ALICE_TOTP": Base32.encode(Self.secret)], clock: clock)
        let totp = try #require(live.snapshot.deployment.config.user(username: "alice")?.totp)
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { try await body(Browser($0), clock, totp) }
    }

    func code(_ totp: TOTPConfig, _ clock: TestClock, offset: Int64 = 0) -> String {
        TOTP.code(totp, step: TOTP.step(at: clock.now(), period: totp.period) + offset)
    }

    static let demo = AuthorizationFlow.redirectURL(
        "/oauth/authorize",
        parameters: [
            ("client_id", "demo"), ("redirect_uri", "http://127.0.0.1:8080/demo/callback"), ("response_type", "code"),
            ("scope", "openid email"), ("state", "s1"), ("prompt", "login"),
        ]
    )

    /// The password step: answered with the code form, and no session yet.
    func password(_ browser: Browser) async throws -> Browser.Page {
        let login = try await browser.request(Self.demo)
        let page = try await browser.request(
            "/login",
            method: .post,
            form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
        )
        #expect(page.status == .ok && page.body.contains("Enter your code") && page.body.contains(#"action="/login/code""#))
        #expect(page.body.contains(#"autocomplete="one-time-code""#))
        #expect(!page.setCookies.contains { $0.hasPrefix(BrowserFlow.sessionCookie + "=") }, "a right password alone starts no session")
        return page
    }

    @Test("Password, then the code: a session with amr pwd, otp and mfa; a wrong code asks again")
    func signIn() async throws {
        try await withBrowser { browser, clock, totp in
            let form = try await password(browser)
            let tx = try #require(form.field("tx"))
            let right = code(totp, clock)
            let wrong = try await browser.request("/login/code", method: .post, form: ["tx": tx, "code": right == "000000" ? "111111" : "000000"])
            #expect(wrong.status == .unauthorized && wrong.body.contains("The code is incorrect"))
            let done = try await browser.request("/login/code", method: .post, form: ["tx": tx, "code": right])
            #expect(done.status == .seeOther && done.location?.path == "/demo/callback" && done.query("state") == "s1")
            let claims = try await idTokenClaims(browser, done)
            #expect(claims["amr"] as? [String] == ["pwd", "otp", "mfa"])
        }
    }

    @Test("A recovery code in place of the authenticator: offered only to users with codes, works once, amr otp")
    func recoveryCode() async throws {
        let codes = [RecoveryCodeSignIn.generate(), RecoveryCodeSignIn.generate()]
        try await withBrowser(recoveryCodes: codes) { browser, _, _ in
            let form = try await password(browser)
            #expect(form.body.contains("Use a recovery code") && form.body.contains(#"name="recovery_code""#))
            let tx = try #require(form.field("tx"))
            let done = try await browser.request("/login/code", method: .post, form: ["tx": tx, "recovery_code": codes[0].lowercased()])
            #expect(done.status == .seeOther && done.location?.path == "/demo/callback")
            #expect(try await idTokenClaims(browser, done)["amr"] as? [String] == ["pwd", "otp", "mfa"])

            let again = try await password(browser)
            let replay = try await browser.request(
                "/login/code",
                method: .post,
                form: ["tx": try #require(again.field("tx")), "recovery_code": codes[0]]
            )
            #expect(replay.status == .unauthorized && replay.body.contains("The recovery code is incorrect or was already used."))
        }
        try await withBrowser { browser, _, _ in
            let form = try await password(browser)
            #expect(!form.body.contains("recovery_code"), "no codes listed: none offered")
        }
    }

    /// Exchanges a demo client's code and returns the ID token's claims.
    func idTokenClaims(_ browser: Browser, _ callback: Browser.Page) async throws -> [String: Any] {
        let tokens = try await browser.request(
            "/oauth/token",
            method: .post,
            form: [
                "grant_type": "authorization_code", "code": try #require(callback.query("code")),
                "redirect_uri": "http://127.0.0.1:8080/demo/callback",
            ],
            headers: [.authorization: "Basic " + Data("demo:demo-secret".utf8).base64EncodedString()]
        )
        let body = try #require(try JSONSerialization.jsonObject(with: Data(tokens.body.utf8)) as? [String: Any])
        let idToken = try #require(body["id_token"] as? String)
        let payload = try #require(Data(base64URLEncoded: String(idToken.split(separator: ".")[1])))
        return try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
    }

    @Test("mfa: optional — a password signs in; acr_values asking for mfa steps the session up with the code, and acr says so")
    func stepUp() async throws {
        try await withBrowser(policy: "optional") { browser, clock, totp in
            let login = try await browser.request(Self.demo)
            let signedIn = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(signedIn.status == .seeOther, "no code asked when nothing needs it")
            let weak = try await idTokenClaims(browser, signedIn)
            #expect(weak["acr"] as? String == "urn:permiso:acr:password" && weak["amr"] as? [String] == ["pwd"])
            func authorize(_ extra: [(String, String)]) -> String {
                AuthorizationFlow.redirectURL(
                    "/oauth/authorize",
                    parameters: [
                        ("client_id", "demo"), ("redirect_uri", "http://127.0.0.1:8080/demo/callback"), ("response_type", "code"),
                        ("scope", "openid"), ("state", "s2"),
                    ] + extra
                )
            }
            // Silently, the voluntary acr_values cannot be met: the code comes at the session's level.
            let silent = try await browser.request(authorize([("acr_values", "urn:permiso:acr:mfa"), ("prompt", "none")]))
            #expect(try await idTokenClaims(browser, silent)["acr"] as? String == "urn:permiso:acr:password")
            // A step-up form only counts for the session it was shown to.
            let stale = try await browser.request(authorize([("acr_values", "urn:permiso:acr:mfa")]))
            let signedOut = Browser(browser.client)
            signedOut.cookies = browser.cookies.filter { $0.key != BrowserFlow.sessionCookie }
            let orphan = try await signedOut.request(
                "/login/code",
                method: .post,
                form: ["tx": try #require(stale.field("tx")), "code": code(totp, clock)]
            )
            #expect(orphan.status == .badRequest, "the session it stepped up is gone")
            let ask = try await browser.request(authorize([("acr_values", "urn:permiso:acr:mfa")]))
            #expect(ask.status == .ok && ask.body.contains("Enter your code"), "the session steps up without the password again")
            let done = try await browser.request(
                "/login/code",
                method: .post,
                form: ["tx": try #require(ask.field("tx")), "code": code(totp, clock)]
            )
            #expect(done.status == .seeOther && done.query("state") == "s2")
            let strong = try await idTokenClaims(browser, done)
            #expect(strong["acr"] as? String == "urn:permiso:acr:mfa" && strong["amr"] as? [String] == ["pwd", "otp", "mfa"])
            // The stepped-up session now answers such requests silently.
            let after = try await browser.request(authorize([("acr_values", "urn:permiso:acr:mfa"), ("prompt", "none")]))
            #expect(after.status == .found && after.query("code") != nil)
        }
    }

    @Test("requireMFA on the device client: an optional-mfa user is asked for the code, a user without one cannot approve")
    func strictDeviceClient() async throws {
        try await withBrowser(policy: "optional", strictCLI: true) { device, clock, totp in
            func userCode() async throws -> String {
                let started = try await device.request("/oauth/device/code", method: .post, form: ["client_id": "cli", "scope": "openid"])
                let body = try #require(try JSONSerialization.jsonObject(with: Data(started.body.utf8)) as? [String: Any])
                return try #require(body["user_code"] as? String)
            }
            func signIn(_ person: Browser, _ user: String) async throws -> Browser.Page {
                let login = try await person.request("/device", method: .post, form: ["user_code": try await userCode()])
                return try await person.request(
                    "/device/login",
                    method: .post,
                    form: ["tx": try #require(login.field("tx")), "username": user, "password": "\(user)-password"]
                )
            }
            let bob = try await signIn(Browser(device.client), "bob")
            #expect(bob.status == .forbidden && bob.body.contains("needs a second factor"))
            let alice = Browser(device.client)
            let form = try await signIn(alice, "alice")
            #expect(form.status == .ok && form.body.contains("Enter your code"))
            let consent = try await alice.request("/login/code", method: .post, form: ["tx": form.field("tx")!, "code": code(totp, clock)])
            #expect(consent.status == .ok && consent.body.contains("Allow Permiso CLI?"))
        }
    }

    @Test("A code works once: the next sign-in with the same code is refused, the next step's is accepted")
    func replayedCode() async throws {
        try await withBrowser { browser, clock, totp in
            let first = try await password(browser)
            let used = code(totp, clock)
            #expect(try await browser.request("/login/code", method: .post, form: ["tx": first.field("tx")!, "code": used]).status == .seeOther)
            let second = try await password(browser)
            let again = try await browser.request("/login/code", method: .post, form: ["tx": second.field("tx")!, "code": used])
            #expect(again.status == .unauthorized && again.body.contains("already used"))
            clock.advance(30)
            let next = try await browser.request("/login/code", method: .post, form: ["tx": second.field("tx")!, "code": code(totp, clock)])
            #expect(next.status == .seeOther && next.query("code") != nil)
        }
    }

    @Test("The code step cannot be skipped or entered without its own form: a login form's tx, none, or another browser's")
    func unskippable() async throws {
        try await withBrowser { browser, clock, totp in
            let login = try await browser.request(Self.demo)
            let loginTx = try #require(login.field("tx"))
            let forged = try await browser.request("/login/code", method: .post, form: ["tx": loginTx, "code": code(totp, clock)])
            #expect(forged.status == .badRequest, "a login transaction does not open as a second-factor one")
            let none = try await browser.request("/login/code", method: .post, form: ["code": code(totp, clock)])
            #expect(none.status == .badRequest, "no transaction, no sign-in")
            let form = try await password(browser)
            let stranger = try await Browser(browser.client).request(
                "/login/code",
                method: .post,
                form: ["tx": form.field("tx")!, "code": code(totp, clock)]
            )
            #expect(stranger.status == .badRequest, "without the binding cookie the form is refused")
            #expect(browser.cookies[BrowserFlow.sessionCookie] == nil)
        }
    }

    @Test("The device flow asks for the code too, then for the device's consent")
    func deviceFlow() async throws {
        try await withBrowser { device, clock, totp in
            let started = try await device.request("/oauth/device/code", method: .post, form: ["client_id": "cli", "scope": "openid"])
            let body = try #require(try JSONSerialization.jsonObject(with: Data(started.body.utf8)) as? [String: Any])
            let userCode = try #require(body["user_code"] as? String)
            let person = Browser(device.client)
            let login = try await person.request("/device", method: .post, form: ["user_code": userCode])
            let form = try await person.request(
                "/device/login",
                method: .post,
                form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(form.status == .ok && form.body.contains("Enter your code"))
            let consent = try await person.request("/login/code", method: .post, form: ["tx": form.field("tx")!, "code": code(totp, clock)])
            #expect(consent.status == .ok && consent.body.contains("Allow Permiso CLI?") && consent.body.contains(userCode))
            #expect(person.cookies[BrowserFlow.sessionCookie] != nil)
        }
    }
}
