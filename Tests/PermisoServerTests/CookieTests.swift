import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

/// The binding cookie is Permiso's own: a value planted in the browser binds nothing, and
/// with an https issuer both cookies are `__Host-` cookies no subdomain can set.
@Suite("Cookies: minted bindings and __Host- names")
struct CookieTests {
    static let authorize =
        "/oauth/authorize?client_id=cli&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&response_type=code&scope=openid"
        + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"

    func withBrowser(issuer: String? = nil, _ body: @Sendable (Browser) async throws -> Void) async throws {
        let folder = try TemporaryDirectory()
        var config = try String(contentsOfFile: Repository.exampleConfig, encoding: .utf8)
        config = config.replacingOccurrences(of: "keys: keys", with: "keys: \(Repository.root)/keys")
        if let issuer { config = config.replacingOccurrences(of: "issuer: http://127.0.0.1:8080", with: "issuer: \(issuer)") }
        let file = try folder.write("permiso.yaml", config)
        let live = try await LiveDeployment(configFile: file, environment: [:])
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { try await body(Browser($0)) }
    }

    @Test("A planted binding value is replaced by a minted one, and a form bound to the minted one fails with the planted one")
    func plantedBinding() async throws {
        try await withBrowser { attacker in
            attacker.cookies[BrowserFlow.bindingCookie] = "attacker-chosen"
            let login = try await attacker.request(Self.authorize)
            #expect(login.status == .ok)
            let minted = try #require(attacker.cookies[BrowserFlow.bindingCookie])
            #expect(minted != "attacker-chosen", "the server mints its own binding")
            // The victim's browser carries the planted value; the attacker's form does not open there.
            let victim = Browser(attacker.client)
            victim.cookies[BrowserFlow.bindingCookie] = "attacker-chosen"
            let posted = try await victim.request(
                "/login",
                method: .post,
                form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(posted.status == .badRequest)
            // A binding Permiso minted is kept for the next form, so two open tabs both work.
            let again = try await attacker.request(Self.authorize)
            #expect(again.status == .ok && attacker.cookies[BrowserFlow.bindingCookie] == minted)
            let first = try await attacker.request(
                "/login",
                method: .post,
                form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(first.status == .ok && first.body.contains("Allow Permiso CLI?"), "the first tab's form still opens")
        }
    }

    @Test("With an https issuer the cookies are __Host- cookies: Secure, Path=/, no Domain; http loopback keeps bare names")
    func hostPrefix() async throws {
        try await withBrowser(issuer: "https://127.0.0.1:8443") { browser in
            let login = try await browser.request(Self.authorize)
            let binding = try #require(login.setCookies.first { $0.hasPrefix("__Host-permiso_tx=") })
            #expect(binding.contains("Secure") && binding.contains("Path=/") && !binding.lowercased().contains("domain="))
            let consent = try await browser.request(
                "/login",
                method: .post,
                form: ["tx": try #require(login.field("tx")), "username": "alice", "password": "alice-password"]
            )
            #expect(consent.status == .ok)
            let session = try #require(consent.setCookies.first { $0.hasPrefix("__Host-permiso_session=") })
            #expect(session.contains("Secure") && session.contains("HttpOnly") && session.contains("Path=/"))
            #expect(!consent.setCookies.contains { $0.hasPrefix("permiso_session=") })
        }
        try await withBrowser { browser in
            let login = try await browser.request(Self.authorize)
            #expect(login.setCookies.contains { $0.hasPrefix("permiso_tx=") && !$0.contains("Secure") })
        }
    }
}
