import Crypto
import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("Authorization checks")
struct AuthorizationCheckTests {
    func client(
        _ redirectURIs: [String],
        authMethod: ClientAuthMethod = .clientSecretBasic,
        scopes: [String] = ["openid", "email"]
    ) -> ClientConfig {
        ClientConfig(
            id: "app",
            name: "App",
            secretHash: authMethod == .none ? nil : Fixture.secretHash,
            authMethod: authMethod,
            redirectURIs: redirectURIs,
            postLogoutRedirectURIs: [],
            grantTypes: [.authorizationCode],
            scopes: scopes,
            signingAlgorithm: .rs256,
            requirePKCE: authMethod == .none,
            firstParty: false
        )
    }

    // MARK: redirect_uri

    @Test("redirect_uri must equal a registered URI exactly")
    func redirectExact() throws {
        let app = client(["https://app.example.com/cb", "https://app.example.com/other"])
        #expect(try RedirectURIMatch.resolve("https://app.example.com/cb", for: app) == "https://app.example.com/cb")
        for attack in [
            "https://app.example.com/cb/", "https://app.example.com/cb?x=1", "https://app.example.com/CB",
            "https://APP.example.com/cb", "https://app.example.com.evil.com/cb", "https://evil.com/cb",
            "https://app.example.com/cb#frag", "http://app.example.com/cb", "https://app.example.com:443/cb",
            "https://app.example.com/cb/../other", "https://app.example.com/c%62", " https://app.example.com/cb",
        ] {
            #expect(throws: OAuthError.invalidRequest("redirect_uri is not registered for this client"), "\(attack)") {
                try RedirectURIMatch.resolve(attack, for: app)
            }
        }
    }

    @Test("redirect_uri may be omitted only when exactly one is registered")
    func redirectOmitted() throws {
        #expect(try RedirectURIMatch.resolve(nil, for: client(["https://app.example.com/cb"])) == "https://app.example.com/cb")
        #expect(throws: OAuthError.invalidRequest("redirect_uri is required: this client registered more than one")) {
            try RedirectURIMatch.resolve(nil, for: client(["https://a.example.com/cb", "https://b.example.com/cb"]))
        }
    }

    @Test("A native app's loopback redirect matches on any port, and nothing else is relaxed")
    func redirectLoopbackPort() throws {
        let native = client(["http://127.0.0.1/callback"], authMethod: .none)
        #expect(try RedirectURIMatch.resolve("http://127.0.0.1:53124/callback", for: native) == "http://127.0.0.1:53124/callback")
        for attack in ["http://127.0.0.1:53124/other", "http://localhost:53124/callback", "https://127.0.0.1:53124/callback"] {
            #expect(throws: OAuthError.self, "\(attack)") { try RedirectURIMatch.resolve(attack, for: native) }
        }
        // Confidential clients get no port relaxation.
        let web = client(["http://127.0.0.1/callback"])
        #expect(throws: OAuthError.self) { try RedirectURIMatch.resolve("http://127.0.0.1:8080/callback", for: web) }
    }

    @Test("IPv6 loopback: any port on [::1], nothing else (RFC 8252 §7.3)")
    func redirectLoopbackIPv6() throws {
        let native = client(["http://[::1]/callback"], authMethod: .none)
        #expect(try RedirectURIMatch.resolve("http://[::1]:53124/callback", for: native) == "http://[::1]:53124/callback")
        for attack in [
            "http://127.0.0.1:53124/callback", "http://[::1]:53124/other", "http://[::2]:53124/callback",
            "http://[::1]:53124@evil.example/callback", "http://[::1]:53124/callback/../x",
        ] {
            #expect(throws: OAuthError.self, "\(attack)") { try RedirectURIMatch.resolve(attack, for: native) }
        }
    }

    // MARK: PKCE

    /// RFC 7636 Appendix B's example.
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    @Test("S256 challenges are accepted and RFC 7636 Appendix B's pair verifies")
    func pkceKnownAnswer() throws {
        #expect(try PKCE.checkChallenge(challenge, method: "S256", required: true) == challenge)
        try PKCE.verify(verifier: verifier, challenge: challenge)
    }

    @Test("plain, a missing method, a malformed challenge, or no challenge when required are refused")
    func pkceChallengeRules() throws {
        #expect(throws: OAuthError.invalidRequest("code_challenge_method must be S256; plain is not supported")) {
            try PKCE.checkChallenge(verifier, method: "plain", required: false)
        }
        #expect(throws: OAuthError.invalidRequest("code_challenge_method must be S256; plain is not supported")) {
            try PKCE.checkChallenge(challenge, method: nil, required: false)
        }
        #expect(throws: OAuthError.self) { try PKCE.checkChallenge("short", method: "S256", required: false) }
        #expect(throws: OAuthError.self) { try PKCE.checkChallenge(challenge + "A", method: "S256", required: false) }
        #expect(throws: OAuthError.invalidRequest("this client must use PKCE: send code_challenge with method S256")) {
            try PKCE.checkChallenge(nil, method: nil, required: true)
        }
        #expect(try PKCE.checkChallenge(nil, method: nil, required: false) == nil)
    }

    @Test("A wrong, missing, malformed or unsolicited verifier is refused")
    func pkceVerifierRules() throws {
        #expect(throws: OAuthError.invalidGrant("code_verifier does not match the code_challenge")) {
            try PKCE.verify(verifier: String(verifier.reversed()), challenge: challenge)
        }
        #expect(throws: OAuthError.invalidGrant("code_verifier is required: the authorization request used PKCE")) {
            try PKCE.verify(verifier: nil, challenge: challenge)
        }
        // Sending the challenge itself as the verifier (what `plain` would accept) fails.
        #expect(throws: OAuthError.invalidGrant("code_verifier does not match the code_challenge")) {
            try PKCE.verify(verifier: challenge, challenge: challenge)
        }
        #expect(throws: OAuthError.self) { try PKCE.verify(verifier: "too-short", challenge: challenge) }
        #expect(throws: OAuthError.self) { try PKCE.verify(verifier: verifier + " ", challenge: challenge) }
        #expect(
            throws: OAuthError.invalidGrant("code_verifier sent, but the authorization request had no code_challenge")
        ) {
            try PKCE.verify(verifier: verifier, challenge: nil)
        }
        try PKCE.verify(verifier: nil, challenge: nil)
    }

    // MARK: scope

    @Test("Scopes must be known and allowed for the client")
    func scopes() throws {
        let directory = try TemporaryDirectory()
        let config = try PermisoConfig.load(file: try directory.write("permiso.yaml", Fixture.config()), environment: [:])
        let web = try #require(config.client(id: "web"))
        #expect(try ScopeRequest.parse("openid  email openid", client: web, config: config) == ["openid", "email"])
        #expect(throws: OAuthError.invalidScope("unknown scope admin")) {
            try ScopeRequest.parse("openid admin", client: web, config: config)
        }
        #expect(throws: OAuthError.invalidScope("scope phone is not allowed for this client")) {
            try ScopeRequest.parse("openid phone", client: web, config: config)
        }
        #expect(throws: OAuthError.invalidScope("unknown scope OPENID")) {
            try ScopeRequest.parse("OPENID", client: web, config: config)
        }
        #expect(throws: OAuthError.invalidScope("scope is required")) { try ScopeRequest.parse(" ", client: web, config: config) }
    }
}

@Suite("User codes (RFC 8628 §6.1)")
struct UserCodeTests {
    @Test("Typed in any case, with or without the dash or spaces, a code reads the same")
    func normalization() {
        for typed in ["BCDF-GHJK", "bcdf-ghjk", "BCDFGHJK", "bcdfghjk", " bcdf ghjk ", "Bcdf-Ghjk"] {
            #expect(UserCode.normalize(typed) == "BCDFGHJK", "\(typed)")
        }
        for typed in [
            "", "BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "BCDF_GHJK", "BCD0-GHJK", "ＢＣＤＦＧＨＪＫ", String(repeating: "-", count: 100) + "BCDFGHJK",
        ] {
            #expect(UserCode.normalize(typed) == nil, "\(typed)")
        }
        #expect(UserCode.display("BCDFGHJK") == "BCDF-GHJK")
    }

    @Test("Generated codes use only the twenty consonants, and all of them")
    func generation() {
        var seen = Set<Character>()
        for _ in 0..<500 {
            let code = UserCode.generate()
            #expect(code.count == 8 && UserCode.normalize(code) == code)
            seen.formUnion(code)
        }
        #expect(seen == Set(UserCode.alphabet))
    }
}

@Suite("Form decoding (application/x-www-form-urlencoded)")
struct FormParametersTests {
    @Test("+ is a space, %XX a byte, the result UTF-8; empty values count as omitted")
    func decoding() throws {
        let form = try FormParameters.parse("a=b+c&d=%41%2b%2F&e=caf%C3%A9&f=&g&%73cope=openid%20email&h=%25")
        #expect(form.values == ["a": "b c", "d": "A+/", "e": "café", "scope": "openid email", "h": "%"])
        #expect(try FormParameters.parse("").values.isEmpty)
    }

    @Test("Separators at the edges, = inside a value and raw UTF-8 are read the way the escaped forms are")
    func edges() throws {
        let form = try FormParameters.parse("&&a=x=y&&b=café+naïve&c&")
        #expect(form.values == ["a": "x=y", "b": "café naïve"])
        #expect(try FormParameters.parse("b=caf%C3%A9") == FormParameters(["b": "café"]))
        #expect(FormParameters.decode("client%3Aid+one"[...]) == "client:id one")
    }

    @Test(
        "Bad escapes, non-UTF-8 bytes and repeats are invalid_request",
        arguments: ["a=%", "a=%4", "a=%G1", "a=%C3", "a=%FF%FE", "a=1&a=2", "%ZZ=1"]
    )
    func refused(_ text: String) {
        #expect(throws: OAuthError.self) { try FormParameters.parse(text) }
    }
}
