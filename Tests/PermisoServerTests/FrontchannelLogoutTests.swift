import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

/// OpenID Connect Front-Channel Logout 1.0 through the pages: the signed-out page frames the
/// logout page of each client of the session, allows exactly their origins in `frame-src`,
/// and goes on to the post-logout redirect.
@Suite("Front-channel logout: the signed-out page")
struct FrontchannelLogoutTests {
    func withBrowser(_ body: @Sendable (Browser) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let example = try String(contentsOfFile: Repository.exampleConfig, encoding: .utf8)
            .replacingOccurrences(of: "\nkeys: keys\n", with: "\nkeys: \(Repository.root)/keys\n")
            .replacingOccurrences(
                of: "  - id: demo\n",
                with: "  - id: demo\n    frontchannelLogoutURI: https://demo.example:8443/signed-out?from=op\n"
                    + "    frontchannelLogoutSessionRequired: true\n"
            )
            .replacingOccurrences(of: "  - id: cli\n", with: "  - id: cli\n    frontchannelLogoutURI: http://127.0.0.1:7000/fc\n")
        let live = try await LiveDeployment(configFile: try directory.write("permiso.yaml", example), environment: [:])
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { try await body(Browser($0)) }
    }

    func signIn(_ browser: Browser) async throws -> Browser.Page {
        let login = try await browser.request(BrowserFlowTests.demoURI())
        return try await browser.request(
            "/login",
            method: .post,
            form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
        )
    }

    @Test("Each client of the session in a hidden frame (iss and sid where asked), frame-src those origins only, then the redirect")
    func frames() async throws {
        try await withBrowser { browser in
            let callback = try await signIn(browser)
            #expect(callback.status == .seeOther)
            let sealed = try #require(browser.cookies[BrowserFlow.sessionCookie])
            let out = try await browser.request(
                AuthorizationFlow.redirectURL(
                    "/oauth/logout",
                    parameters: [("client_id", "demo"), ("post_logout_redirect_uri", "http://127.0.0.1:8080/demo/"), ("state", "s1")]
                )
            )
            #expect(out.status == .ok && out.body.contains("Sign out?"), "no hint: the person confirms first")
            let done = try await browser.request("/oauth/logout", method: .post, form: ["logout_tx": try #require(out.field("logout_tx"))])
            #expect(done.status == .ok && done.body.contains("Signing you out of the applications you used"))
            let frame = try #require(done.body.firstMatch(of: #/<iframe src="([^"]+)" class="frontchannel"/#)?.output.1)
            let src = String(frame).replacingOccurrences(of: "&amp;", with: "&")
            #expect(src.hasPrefix("https://demo.example:8443/signed-out?from=op&iss=http%3A%2F%2F127.0.0.1%3A8080&sid="))
            #expect(done.body.components(separatedBy: "<iframe").count == 2, "cli got no ID token in this session: no frame")
            let policy = try #require(done.headers[.contentSecurityPolicy])
            #expect(policy.contains("frame-src https://demo.example:8443;") || policy.hasSuffix("frame-src https://demo.example:8443"))
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
            #expect(done.body.contains(#"sandbox="allow-same-origin allow-scripts""#), "a frame cannot navigate the page")
            #expect(done.body.contains(#"<meta http-equiv="refresh" content="3;url=http://127.0.0.1:8080/demo/?state=s1">"#))
            #expect(done.body.contains(#"href="http://127.0.0.1:8080/demo/?state=s1" data-continue"#))
            #expect(browser.cookies[BrowserFlow.sessionCookie] == nil && !sealed.isEmpty)
            let script = try await browser.request(Endpoint.logoutScript)
            #expect(script.status == .ok && script.body.contains("iframe.frontchannel"))
        }
    }

    @Test("A hostile state stays inside the query of the refresh and the link: no second url, no script")
    func hostileState() async throws {
        try await withBrowser { browser in
            _ = try await signIn(browser)
            let state = #"x"'; url=javascript:alert(1) <b>&"#
            let out = try await browser.request(
                AuthorizationFlow.redirectURL(
                    "/oauth/logout",
                    parameters: [("client_id", "demo"), ("post_logout_redirect_uri", "http://127.0.0.1:8080/demo/"), ("state", state)]
                )
            )
            let done = try await browser.request("/oauth/logout", method: .post, form: ["logout_tx": try #require(out.field("logout_tx"))])
            let refresh = try #require(done.body.firstMatch(of: #/<meta http-equiv="refresh" content="([^"]*)">/#)?.output.1)
            #expect(refresh == "3;url=http://127.0.0.1:8080/demo/?state=x%22%27%3B%20url%3Djavascript%3Aalert%281%29%20%3Cb%3E%26")
            #expect(!done.body.contains("<b>") && !done.body.contains("url=javascript"))
        }
    }

    @Test("Without front-channel clients in the session, logout redirects as before")
    func noFrames() async throws {
        try await withBrowser { browser in
            let out = try await browser.request(
                AuthorizationFlow.redirectURL(
                    "/oauth/logout",
                    parameters: [("client_id", "demo"), ("post_logout_redirect_uri", "http://127.0.0.1:8080/demo/")]
                )
            )
            #expect(out.status == .found && out.location?.path == "/demo/", "nobody signed in: signed out at once")
        }
    }
}
