import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// The authorization request's named checks and the config's named rules, one at a time,
/// and the order `AuthorizationRequest.validate` runs them in.
@Suite("Named checks and rules")
struct NamedCheckTests {
    func config() throws -> PermisoConfig {
        try Deployment.load(configFile: Repository.exampleConfig, environment: [:]).config
    }

    @Test("ClientCheck: a client_id is required and must be registered")
    func clientCheck() throws {
        let config = try config()
        #expect(try ClientCheck.check(FormParameters(["client_id": "demo"]), config: config).id == "demo")
        #expect(throws: OAuthError.invalidRequest("client_id is required")) { try ClientCheck.check(FormParameters(), config: config) }
        #expect(throws: OAuthError.invalidRequest("unknown client_id")) {
            try ClientCheck.check(FormParameters(["client_id": "DEMO"]), config: config)
        }
    }

    @Test("ResponseTargetCheck: an overlong state is dropped from the error; an unknown mode answers by query")
    func responseTarget() throws {
        let uri = "https://app.example.com/cb"
        let target = try ResponseTargetCheck.check(FormParameters(["state": "s", "response_mode": "form_post"]), redirectURI: uri)
        #expect(target == .init(redirectURI: uri, responseMode: .formPost, state: "s"))
        let long = String(repeating: "x", count: AuthorizationRequest.maximumLength + 1)
        #expect(
            throws: AuthorizationRequestError.redirect(
                .invalidRequest("state is longer than 2048 bytes"),
                .init(redirectURI: uri, responseMode: .query, state: nil)
            )
        ) { try ResponseTargetCheck.check(FormParameters(["state": long]), redirectURI: uri) }
        #expect(
            throws: AuthorizationRequestError.redirect(
                .invalidRequest("response_mode must be query or form_post"),
                .init(redirectURI: uri, responseMode: .query, state: "s")
            )
        ) { try ResponseTargetCheck.check(FormParameters(["state": "s", "response_mode": "fragment"]), redirectURI: uri) }
    }

    @Test("ResponseTypeCheck and RequestObjectCheck: code only, for clients with the grant; no request objects")
    func responseTypeAndRequestObjects() throws {
        let config = try config()
        let demo = try #require(config.client(id: "demo"))
        let service = try #require(config.client(id: "service"))
        try ResponseTypeCheck.check(FormParameters(["response_type": "code"]), client: demo)
        for type in ["token", "id_token", "code id_token", "none"] {
            #expect(throws: OAuthError.self) { try ResponseTypeCheck.check(FormParameters(["response_type": type]), client: demo) }
        }
        #expect(throws: OAuthError.unauthorizedClient("this client may not use the authorization code flow")) {
            try ResponseTypeCheck.check(FormParameters(["response_type": "code"]), client: service)
        }
        #expect(throws: OAuthError.requestNotSupported("request objects are not supported")) {
            try RequestObjectCheck.check(FormParameters(["request": "eyJ"]))
        }
        #expect(throws: OAuthError.requestURINotSupported("request_uri is not supported")) {
            try RequestObjectCheck.check(FormParameters(["request_uri": "https://x"]))
        }
    }

    @Test("PromptCheck and MaxAgeCheck: known prompts, none alone; max_age a non-negative number")
    func promptAndMaxAge() throws {
        #expect(try PromptCheck.parse(nil).isEmpty)
        #expect(try PromptCheck.parse("login consent") == [.login, .consent])
        #expect(throws: OAuthError.invalidRequest("prompt none cannot be combined with other values")) { try PromptCheck.parse("none login") }
        #expect(throws: OAuthError.invalidRequest("prompt select_account is not supported; use none, login or consent")) {
            try PromptCheck.parse("select_account")
        }
        #expect(try MaxAgeCheck.parse(nil) == nil)
        #expect(try MaxAgeCheck.parse("0") == 0)
        for bad in ["-1", "1.5", "ten", " 5"] {
            #expect(throws: OAuthError.invalidRequest("max_age must be a whole number of seconds"), "\(bad)") { try MaxAgeCheck.parse(bad) }
        }
    }

    @Test("ParameterLengthCheck: every value that travels on is bounded")
    func lengths() throws {
        let limit = AuthorizationRequest.maximumLength * 4
        for name in ParameterLengthCheck.names {
            try ParameterLengthCheck.check(FormParameters([name: String(repeating: "a", count: limit)]))
            #expect(throws: OAuthError.invalidRequest("\(name) is too long")) {
                try ParameterLengthCheck.check(FormParameters([name: String(repeating: "a", count: limit + 1)]))
            }
        }
    }

    @Test("validate runs the checks in order: an unknown client is never redirected; later errors carry state")
    func order() throws {
        let config = try config()
        let base = ["client_id": "demo", "redirect_uri": "http://127.0.0.1:8080/demo/callback", "state": "s"]
        #expect(throws: AuthorizationRequestError.untrusted(.invalidRequest("redirect_uri is not registered for this client"))) {
            try AuthorizationRequest.validate(
                FormParameters(base.merging(["redirect_uri": "https://evil.example/", "response_type": "token"]) { $1 }),
                config: config
            )
        }
        let target = AuthorizationResponseTarget(redirectURI: base["redirect_uri"]!, responseMode: .query, state: "s")
        #expect(
            throws: AuthorizationRequestError.redirect(
                .unsupportedResponseType("response_type must be code; implicit and hybrid flows are not offered"),
                target
            )
        ) { try AuthorizationRequest.validate(FormParameters(base.merging(["response_type": "token", "max_age": "x"]) { $1 }), config: config) }
    }

    // MARK: Config rules

    @Test("ScopeNameRule: scope-tokens only, and never a standard scope's name")
    func scopeNames() {
        #expect(ScopeNameRule.check("api:read") == nil)
        #expect(ScopeNameRule.check("a!#[]~") == nil)
        for bad in ["", "two words", "quote\"d", "back\\slash", "é", "tab\t"] {
            #expect(ScopeNameRule.check(bad) != nil, "\(bad.debugDescription)")
        }
        #expect(ScopeNameRule.check("openid")?.message == "openid is a standard scope and is built in; choose another name")
    }

    @Test("PublicClientPKCERule: public clients always use PKCE; confidential ones may opt in")
    func publicClientPKCE() {
        #expect(PublicClientPKCERule.check(authMethod: .none, requirePKCE: nil) == .success(true))
        #expect(PublicClientPKCERule.check(authMethod: .none, requirePKCE: true) == .success(true))
        #expect(
            PublicClientPKCERule.check(authMethod: .none, requirePKCE: false)
                == .failure(RuleViolation("public clients always require PKCE (RFC 9700 §2.1.1)"))
        )
        #expect(PublicClientPKCERule.check(authMethod: .clientSecretBasic, requirePKCE: nil) == .success(false))
        #expect(PublicClientPKCERule.check(authMethod: .clientSecretPost, requirePKCE: true) == .success(true))
    }

    @Test("SubjectRule: at most 255 ASCII characters")
    func subjects() {
        #expect(SubjectRule.check(String(repeating: "a", count: 255)) == nil)
        #expect(SubjectRule.check(String(repeating: "a", count: 256)) != nil)
        #expect(SubjectRule.check("ümlaut") != nil)
    }

    @Test("Loopback: http-safe hosts include localhost and 127/8; the port relaxation only IP literals (RFC 8252 §7.3, §8.3)")
    func loopback() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]"] { #expect(Loopback.isHost(host), "\(host)") }
        for host in ["127.0.0.1.evil.com", "localhost.evil.com", "128.0.0.1", "127.0.0", "::2", "", "0x7f.0.0.1"] {
            #expect(!Loopback.isHost(host), "\(host)")
        }
        #expect(Loopback.isIPLiteral("127.0.0.1") && Loopback.isIPLiteral("[::1]"))
        #expect(!Loopback.isIPLiteral("localhost") && !Loopback.isIPLiteral("127.0.0.2"))
    }

    @Test("ConstantTime.equals: equal only when the bytes and the lengths are")
    func constantTime() {
        #expect(ConstantTime.equals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.equals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
    }
}
