import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoServer

@Suite("Device authorization grant (RFC 8628)")
struct DeviceFlowTests {
    static let grantType = "urn:ietf:params:oauth:grant-type:device_code"

    func withBrowser(_ body: @Sendable (Browser, LiveDeployment, TestClock) async throws -> Void) async throws {
        let clock = TestClock()
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:], clock: clock)
        try await Application(router: PermisoApplication.router(live: live)).test(.router) {
            try await body(Browser($0), live, clock)
        }
    }

    func json(_ page: Browser.Page) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(page.body.utf8))) as? [String: Any] ?? [:]
    }

    func start(_ browser: Browser, scope: String = "openid email offline_access") async throws -> [String: Any] {
        let page = try await browser.request("/oauth/device/code", method: .post, form: ["client_id": "cli", "scope": scope])
        #expect(page.status == .ok)
        #expect(page.headers[.cacheControl] == "no-store")
        return json(page)
    }

    func poll(_ browser: Browser, _ deviceCode: String, client: String = "cli") async throws -> (status: HTTPResponse.Status, json: [String: Any]) {
        let page = try await browser.request(
            "/oauth/token",
            method: .post,
            form: ["grant_type": Self.grantType, "client_id": client, "device_code": deviceCode]
        )
        return (page.status, json(page))
    }

    /// Types the code on /device, signs in as alice, and answers the consent page.
    func approve(_ person: Browser, userCode: String, decision: String = "allow") async throws -> Browser.Page {
        let login = try await person.request("/device", method: .post, form: ["user_code": userCode])
        #expect(login.status == .ok && login.body.contains("action=\"/device/login\""))
        let consent = try await person.request(
            "/device/login",
            method: .post,
            form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
        )
        #expect(consent.status == .ok && consent.body.contains("Allow Permiso CLI?"))
        return try await person.request("/device/consent", method: .post, form: ["tx": try #require(consent.field("tx")), "decision": decision])
    }

    @Test("The whole grant: codes, pending, approval on the page, tokens exactly once")
    func wholeGrant() async throws {
        try await withBrowser { device, live, clock in
            let started = try await start(device)
            let deviceCode = try #require(started["device_code"] as? String)
            let userCode = try #require(started["user_code"] as? String)
            #expect(userCode.wholeMatch(of: /[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}/) != nil)
            #expect(started["verification_uri"] as? String == "http://127.0.0.1:8080/device")
            #expect(started["verification_uri_complete"] as? String == "http://127.0.0.1:8080/device?user_code=\(userCode)")
            #expect(started["expires_in"] as? Int == 600 && started["interval"] as? Int == 5)

            let pending = try await poll(device, deviceCode)
            #expect(pending.status == .badRequest && pending.json["error"] as? String == "authorization_pending")

            // The person opens verification_uri_complete: the code is filled in.
            let person = Browser(device.client)
            let entry = try await person.request("/device?user_code=\(userCode)")
            #expect(entry.status == .ok && entry.body.contains("value=\"\(userCode)\""))
            #expect(entry.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            // Typed in lower case without the dash, it still matches.
            let typed = userCode.replacingOccurrences(of: "-", with: "").lowercased()
            let done = try await approve(person, userCode: typed)
            #expect(done.status == .ok && done.body.contains("Device connected"))

            clock.advance(5)
            let tokens = try await poll(device, deviceCode)
            #expect(tokens.status == .ok)
            let access = try #require(tokens.json["access_token"] as? String)
            #expect(tokens.json["id_token"] is String && tokens.json["refresh_token"] is String)
            let claims = try await live.snapshot.signer.verifyAccessToken(access, now: clock.now())
            #expect(claims.subject == "alice" && claims.clientID == "cli")

            clock.advance(5)
            let again = try await poll(device, deviceCode)
            #expect(again.status == .badRequest && again.json["error"] as? String == "invalid_grant", "tokens are issued once")

            // The code was answered: typing it again finds nothing.
            let reuse = try await person.request("/device", method: .post, form: ["user_code": userCode])
            #expect(reuse.status == .badRequest && reuse.body.contains("not valid"))
        }
    }

    @Test("Polling sooner than the interval is slow_down, and the interval grows by 5 s for good")
    func slowDown() async throws {
        try await withBrowser { device, _, clock in
            let deviceCode = try #require(try await start(device)["device_code"] as? String)
            #expect(try await poll(device, deviceCode).json["error"] as? String == "authorization_pending")
            clock.advance(2)
            #expect(try await poll(device, deviceCode).json["error"] as? String == "slow_down")
            clock.advance(6)
            #expect(try await poll(device, deviceCode).json["error"] as? String == "slow_down", "the interval is 10 s now")
            clock.advance(16)
            #expect(try await poll(device, deviceCode).json["error"] as? String == "authorization_pending")
            clock.advance(15)
            #expect(try await poll(device, deviceCode).json["error"] as? String == "authorization_pending")
        }
    }

    @Test("A denial answers access_denied; past its lifetime the code is expired_token")
    func denialAndExpiry() async throws {
        try await withBrowser { device, _, clock in
            let denied = try await start(device)
            let page = try await approve(Browser(device.client), userCode: try #require(denied["user_code"] as? String), decision: "deny")
            #expect(page.status == .ok && page.body.contains("Access denied"))
            let answer = try await poll(device, try #require(denied["device_code"] as? String))
            #expect(answer.json["error"] as? String == "access_denied")

            let late = try #require(try await start(device)["device_code"] as? String)
            clock.advance(601)
            let expired = try await poll(device, late)
            #expect(expired.status == .badRequest && expired.json["error"] as? String == "expired_token")
        }
    }

    @Test("Unknown, malformed, foreign and misused device codes are refused")
    func badDeviceCodes() async throws {
        try await withBrowser { device, live, clock in
            let real = try #require(try await start(device)["device_code"] as? String)
            var tampered = Array(real)
            tampered[40] = tampered[40] == "A" ? "B" : "A"
            // Sealed by this deployment, but for another purpose (a login session).
            let session = LoginSession(subject: "alice", authTime: clock.now(), sessionID: "s", amr: ["pwd"])
            let otherPurpose = try live.snapshot.sealer.seal(session, purpose: .session, expiresAt: clock.now().addingTimeInterval(60))
            for code in ["", "garbage", String(tampered), otherPurpose, String(repeating: "A", count: 10_000)] {
                let answer = try await poll(device, code)
                #expect(answer.status == .badRequest, "\(code.prefix(20))")
                #expect(answer.json["error"] as? String == (code.isEmpty ? "invalid_request" : "invalid_grant"), "\(code.prefix(20))")
            }
            let missing = try await device.request("/oauth/token", method: .post, form: ["grant_type": Self.grantType, "client_id": "cli"])
            #expect(json(missing)["error"] as? String == "invalid_request")
            // A client without the grant may neither start nor poll (demo uses client_secret_basic).
            let demoBasic: HTTPFields = [.authorization: "Basic " + Data("demo:demo-secret".utf8).base64EncodedString()]
            let demo = try await device.request("/oauth/device/code", method: .post, form: ["scope": "openid"], headers: demoBasic)
            #expect(json(demo)["error"] as? String == "unauthorized_client")
            let demoPoll = try await device.request(
                "/oauth/token",
                method: .post,
                form: ["grant_type": Self.grantType, "device_code": real],
                headers: demoBasic
            )
            #expect(json(demoPoll)["error"] as? String == "unauthorized_client")
            // Client authentication is the token endpoint's: a wrong secret is invalid_client.
            let wrong = try await device.request(
                "/oauth/device/code",
                method: .post,
                form: ["client_id": "demo", "client_secret": "nope"]
            )
            #expect(wrong.status == .unauthorized && json(wrong)["error"] as? String == "invalid_client")
            let scope = try await device.request("/oauth/device/code", method: .post, form: ["client_id": "cli", "scope": "groups"])
            #expect(json(scope)["error"] as? String == "invalid_scope")
        }
    }

    @Test("User codes: odd characters and lengths get a clear message, not a lookup")
    func userCodeInput() async throws {
        try await withBrowser { browser, _, _ in
            for typed in ["", "ABCD-EFGH", "BCDF-GHJ", "BCDF-GHJKL", "BCDF_GHJK", "<script>", "ＢＣＤＦＧＨＪＫ"] {
                let page = try await browser.request("/device", method: .post, form: ["user_code": typed])
                #expect(page.status == .badRequest, "\(typed)")
                #expect(page.body.contains("Enter the 8-letter code"), "\(typed)")
                #expect(!page.body.contains("<script>"), "typed text is escaped")
            }
        }
    }

    @Test("Parallel wrong guesses from one address cannot exceed the limit")
    func throttling() async throws {
        try await withBrowser { browser, _, _ in
            let client = browser.client
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        let guess = String(repeating: String(UserCode.alphabet[index % 20]), count: 8)
                        return try await Browser(client).request("/device", method: .post, form: ["user_code": guess]).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .badRequest }.count == UserCodeThrottle.lookupsPerAddress)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 30 - UserCodeThrottle.lookupsPerAddress)
        }
    }

    @Test("The consent form is bound to the browser: a forged post approves nothing")
    func csrf() async throws {
        try await withBrowser { device, _, clock in
            let started = try await start(device)
            let person = Browser(device.client)
            let login = try await person.request("/device", method: .post, form: ["user_code": try #require(started["user_code"] as? String)])
            let consent = try await person.request(
                "/device/login",
                method: .post,
                form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
            )
            let attacker = Browser(device.client)
            attacker.cookies[BrowserFlow.sessionCookie] = person.cookies[BrowserFlow.sessionCookie]
            let forged = try await attacker.request(
                "/device/consent",
                method: .post,
                form: ["tx": try #require(consent.field("tx")), "decision": "allow"]
            )
            #expect(forged.status == .badRequest && forged.body.contains("opened in another browser"))
            clock.advance(5)
            let answer = try await poll(device, try #require(started["device_code"] as? String))
            #expect(answer.json["error"] as? String == "authorization_pending")
        }
    }

    @Test("An existing session is reused: the code leads straight to the confirmation, which is always asked")
    func reusesSession() async throws {
        try await withBrowser { device, _, _ in
            let first = try await start(device)
            let person = Browser(device.client)
            _ = try await approve(person, userCode: try #require(first["user_code"] as? String))
            let second = try await start(device)
            let userCode = try #require(second["user_code"] as? String)
            let consent = try await person.request("/device", method: .post, form: ["user_code": userCode])
            #expect(consent.status == .ok && consent.body.contains("Allow Permiso CLI?"))
            #expect(consent.body.contains(userCode), "the page shows the code to compare with the device")
        }
    }
}
