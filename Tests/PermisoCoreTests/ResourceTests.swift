import Foundation
import JWTKit
import PermisoTesting
import Testing

@testable import PermisoCore

/// APIs as config (RFC 8707 resource indicators, RFC 9728 metadata): which tokens name which
/// audience, with which scopes, lifetime and algorithm, and every way a `resource` is refused.
@Suite("Resource indicators")
struct ResourceTests {
    static let issuer = "http://127.0.0.1:8080"
    static let orders = "https://orders.example.com/v1"
    static let reports = "http://127.0.0.1:8080/reports"
    let clock = TestClock()

    /// The example config with two more APIs and a scope each; `cli` may ask for both new
    /// ones, `service` for the example's API and reports.
    static let extraScopes = """
          orders:read:
            description: Read your orders
          reports:read:
            description: Read reports

        """
    static let extraResources = """
          - id: \(orders)
            name: Orders
            scopes: [orders:read]
            accessTokenLifetime: 2m
            accessTokenSigningAlg: EdDSA
            documentation: https://orders.example.com/docs
          - id: \(reports)
            scopes: [reports:read, api:read]

        """

    struct Harness {
        var context: FlowContext
        var directory: TemporaryDirectory
        var config: PermisoConfig { context.config }
        func client(_ id: String) -> ClientConfig { config.client(id: id)! }
    }

    /// - Parameter cliFields: more YAML lines for the client `cli`.
    func harness(cliFields: String = "") async throws -> Harness {
        let directory = try TemporaryDirectory()
        var yaml = try String(contentsOfFile: Repository.root + "/permiso.yaml", encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "keys: keys\n", with: "keys: \(Repository.root)/keys\n")
        yaml = yaml.replacingOccurrences(of: "\nscopes:\n", with: "\nscopes:\n" + Self.extraScopes)
        yaml = yaml.replacingOccurrences(of: "\nresources:\n", with: "\nresources:\n" + Self.extraResources)
        yaml = yaml.replacingOccurrences(
            of: "    scopes: [openid, profile, email, offline_access]\n    idTokenSignedResponseAlg: ES256",
            with:
                "    scopes: [openid, profile, email, offline_access, orders:read, reports:read, api:read]\n    idTokenSignedResponseAlg: ES256\n    resources: [\(Self.orders), \(Self.reports)]"
                + cliFields
        )
        yaml = yaml.replacingOccurrences(
            of: "    resources: [http://127.0.0.1:8080/api]",
            with: "    resources: [http://127.0.0.1:8080/api, \(Self.reports)]"
        )
        let file = try directory.write("permiso.yaml", yaml)
        let deployment = try Deployment.load(configFile: file, environment: [:])
        let signer = try await TokenSigner(keys: deployment.keys, issuer: Self.issuer)
        let sealer = try #require(Sealer(keys: deployment.keys, issuer: Self.issuer))
        let issuer = TokenIssuer(deployment: deployment, signer: signer, sealer: sealer)
        return Harness(
            context: FlowContext(issuer: issuer, state: ProtocolState(store: MemoryStateStore(clock: clock))),
            directory: directory
        )
    }

    func form(_ pairs: [(String, String)]) throws -> FormParameters {
        try FormParameters.parse(pairs.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&"))
    }

    func clientCredentials(_ h: Harness, _ pairs: [(String, String)], client: String = "service") async throws(OAuthError) -> TokenResponse {
        try await ClientCredentialsGrant(h.context).issue(to: h.client(client), parameters: try! form(pairs), now: clock.now())
    }

    func verify(_ h: Harness, _ token: String) async throws -> AccessTokenClaims {
        try await h.context.issuer.signer.verifyAccessToken(token, now: clock.now())
    }

    /// cli's tokens after an authorization request naming `resources`.
    func codeTokens(_ h: Harness, resources: [String], scope: String, token: [(String, String)] = []) async throws(OAuthError) -> TokenResponse {
        let request: AuthorizationRequest
        do {
            request = try AuthorizationRequest.validate(
                try! form(
                    [
                        ("client_id", "cli"), ("response_type", "code"), ("scope", scope), ("redirect_uri", "http://127.0.0.1/callback"),
                        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), ("code_challenge_method", "S256"),
                    ] + resources.map { ("resource", $0) }
                ),
                config: h.config
            )
        } catch {
            switch error {
            case .redirect(let oauth, _), .untrusted(let oauth): throw oauth
            }
        }
        let session = LoginSession(subject: "alice", authTime: clock.now(), sessionID: "S", amr: ["pwd"])
        let code = try! AuthorizationFlow(deployment: h.context.deployment, sealer: h.context.issuer.sealer).issueCode(
            request,
            session: session,
            now: clock.now()
        )
        let parameters = try! form(
            [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", "cli"), ("redirect_uri", "http://127.0.0.1/callback"),
                ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            ] + token
        )
        return try await AuthorizationCodeGrant.answer(client: h.client("cli"), parameters: parameters, context: h.context, now: clock.now())
    }

    func refresh(_ h: Harness, _ token: String, _ extra: [(String, String)] = []) async throws(OAuthError) -> TokenResponse {
        try await RefreshTokenGrant.answer(
            client: h.client("cli"),
            parameters: try! form([("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "cli")] + extra),
            context: h.context,
            now: clock.now()
        )
    }

    @Test("client_credentials with resource: aud is the API, scopes the ones it accepts, its lifetime and algorithm")
    func clientCredentialsForResource() async throws {
        let h = try await harness()
        let response = try await clientCredentials(h, [("resource", Self.reports)])
        let claims = try await verify(h, response.accessToken)
        #expect(claims.audience == [Self.reports] && claims.scopes == ["api:read"] && response.scope == "api:read")
        #expect(response.expiresIn == 600)
        // Without resource: the issuer, as before.
        let plain = try await verify(h, try await clientCredentials(h, []).accessToken)
        #expect(plain.audience == [Self.issuer])
        // The example's own API: five minutes.
        let example = try await clientCredentials(h, [("resource", "http://127.0.0.1:8080/api")])
        let exampleClaims = try await verify(h, example.accessToken)
        #expect(example.expiresIn == 300 && exampleClaims.audience == ["http://127.0.0.1:8080/api"])
    }

    /// The `alg` in a JWT's header.
    func algorithm(_ jwt: String) -> String? {
        guard let header = jwt.split(separator: ".").first.flatMap({ Data(base64URLEncoded: $0) }),
            let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }

    @Test("A client's accessTokenSigningAlg signs its access tokens where the API names none; its ID tokens keep theirs")
    func clientAccessTokenAlgorithm() async throws {
        let h = try await harness(cliFields: "\n    accessTokenSigningAlg: PS256")
        #expect(h.client("cli").accessTokenSigningAlgorithm == .ps256 && h.client("cli").signingAlgorithm == .es256)
        let forIssuer = try await codeTokens(h, resources: [], scope: "openid email")
        #expect(algorithm(forIssuer.accessToken) == "PS256")
        #expect(algorithm(try #require(forIssuer.idToken)) == "ES256", "the ID token is the client's to read")
        let claims = try await UserinfoRequest(h.context).claims(accessToken: forIssuer.accessToken, now: clock.now())
        #expect(claims["email"] == .string("alice@example.com"), "userinfo takes it")
        let forReports = try await codeTokens(h, resources: [Self.reports], scope: "openid reports:read")
        #expect(algorithm(forReports.accessToken) == "PS256", "an API without an algorithm of its own")
        let forOrders = try await codeTokens(h, resources: [Self.orders], scope: "openid orders:read")
        #expect(algorithm(forOrders.accessToken) == "EdDSA", "an API's own algorithm wins")
        // Without the setting, the ID-token algorithm signs both.
        let plain = try await codeTokens(try await harness(), resources: [], scope: "openid")
        #expect(algorithm(plain.accessToken) == "ES256")
    }

    @Test("Every refused resource is invalid_target, without echoing it")
    func refusals() async throws {
        let h = try await harness()
        let cases: [([(String, String)], OAuthError)] = [
            ([("resource", "https://unknown.example.com")], .invalidTarget("the resource is not one this provider issues tokens for")),
            ([("resource", Self.orders)], .invalidTarget("this client may not ask for tokens for that resource")),
            ([("resource", "orders")], .invalidTarget("resource must be an absolute https URI without a fragment (RFC 8707 section 2)")),
            ([("resource", Self.reports + "#x")], .invalidTarget("resource must be an absolute https URI without a fragment (RFC 8707 section 2)")),
            (
                [("resource", "https://a\"b.example.com/<script>")],
                .invalidTarget("resource must be an absolute https URI without a fragment (RFC 8707 section 2)")
            ),
            (
                [("resource", Self.reports), ("resource", "http://127.0.0.1:8080/api")],
                .invalidTarget("name one resource per token request: each access token is for one API")
            ),
        ]
        for (pairs, expected) in cases {
            await #expect(throws: expected) { try await clientCredentials(h, pairs) }
        }
        // An API sharing no requested scope is refused at the authorization request already.
        await #expect(throws: OAuthError.invalidTarget("no requested scope is one the resource accepts")) {
            try await codeTokens(h, resources: [Self.reports], scope: "openid orders:read")
        }
        // A refresh narrowed to no scope the API accepts is refused before the rotation, so
        // the same refresh token still works: the retry is no replay.
        let granted = try await codeTokens(
            h,
            resources: [Self.orders, Self.reports],
            scope: "openid orders:read reports:read offline_access",
            token: [("resource", Self.orders)]
        )
        await #expect(throws: OAuthError.invalidScope("none of the granted scopes is one this resource accepts")) {
            try await refresh(h, granted.refreshToken!, [("resource", Self.reports), ("scope", "openid orders:read")])
        }
        let retried = try await refresh(h, granted.refreshToken!, [("resource", Self.reports)])
        #expect(retried.scope == "reports:read")
    }

    @Test("The code flow: the code carries the named APIs; the token is for one of them, the ID token still for the client")
    func codeFlow() async throws {
        let h = try await harness()
        let single = try await codeTokens(h, resources: [Self.orders], scope: "openid orders:read offline_access")
        let access = try await verify(h, single.accessToken)
        #expect(access.audience == [Self.orders] && access.scopes == ["orders:read"] && single.expiresIn == 120)
        #expect(single.scope == "orders:read")
        // EdDSA for the orders API, while cli's ID token stays ES256 and for cli.
        #expect(
            single.accessToken.split(separator: ".").first.flatMap { Data(base64URLEncoded: $0) }.map {
                String(decoding: $0, as: UTF8.self).contains("EdDSA")
            } == true
        )
        let idToken = try #require(single.idToken)
        #expect(
            idToken.split(separator: ".").first.flatMap { Data(base64URLEncoded: $0) }.map { String(decoding: $0, as: UTF8.self).contains("ES256") }
                == true
        )
        // Userinfo is a resource of its own: a token for the orders API is not for it.
        await #expect(throws: BearerTokenError(.invalidToken("this token is for another resource"))) {
            try await UserinfoRequest(h.context).claims(accessToken: single.accessToken, now: clock.now())
        }

        // Two APIs: the token request names one, and only one of those the code carries.
        let both = [Self.orders, Self.reports]
        await #expect(throws: OAuthError.invalidTarget("this grant is for several resources; name one with the resource parameter")) {
            try await codeTokens(h, resources: both, scope: "openid orders:read reports:read offline_access")
        }
        let reports = try await codeTokens(
            h,
            resources: both,
            scope: "openid orders:read reports:read offline_access",
            token: [("resource", Self.reports)]
        )
        #expect(try await verify(h, reports.accessToken).audience == [Self.reports])
        #expect(try await verify(h, reports.accessToken).scopes == ["reports:read"])
        await #expect(throws: OAuthError.invalidTarget("the resource was not part of this grant's authorization request")) {
            try await codeTokens(h, resources: [Self.orders], scope: "openid orders:read", token: [("resource", Self.reports)])
        }

        // A refresh mints a token for any one of the granted APIs, one at a time.
        let refreshToken = try #require(reports.refreshToken)
        let toOrders = try await refresh(h, refreshToken, [("resource", Self.orders)])
        #expect(try await verify(h, toOrders.accessToken).audience == [Self.orders])
        let toReports = try await refresh(h, toOrders.refreshToken!, [("resource", Self.reports)])
        #expect(try await verify(h, toReports.accessToken).audience == [Self.reports])
        await #expect(throws: OAuthError.invalidTarget("this grant is for several resources; name one with the resource parameter")) {
            try await refresh(h, toReports.refreshToken!)
        }
        await #expect(throws: OAuthError.invalidTarget("this client may not ask for tokens for that resource")) {
            try await refresh(h, toReports.refreshToken!, [("resource", "http://127.0.0.1:8080/api")])
        }

        // Without any resource the tokens are for the issuer, and userinfo takes them.
        let plain = try await codeTokens(h, resources: [], scope: "openid email")
        #expect(try await UserinfoRequest(h.context).claims(accessToken: plain.accessToken, now: clock.now())["sub"] == "alice")
    }

    @Test("An authorization request naming a resource the client may not have is redirected with invalid_target")
    func authorizationRefusal() async throws {
        let h = try await harness()
        let parameters = try form([
            ("client_id", "cli"), ("response_type", "code"), ("scope", "openid"), ("redirect_uri", "http://127.0.0.1/callback"),
            ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), ("code_challenge_method", "S256"),
            ("resource", "http://127.0.0.1:8080/api"), ("state", "s"),
        ])
        #expect(throws: AuthorizationRequestError.self) { try AuthorizationRequest.validate(parameters, config: h.config) }
        do {
            _ = try AuthorizationRequest.validate(parameters, config: h.config)
        } catch {
            guard case .redirect(let oauth, let target) = error else {
                Issue.record("expected a redirect, got \(error)")
                return
            }
            #expect(oauth == .invalidTarget("this client may not ask for tokens for that resource") && target.state == "s")
        }
        // Nine resources are more than a request may name.
        let many = try form(
            [
                ("client_id", "cli"), ("response_type", "code"), ("scope", "openid"), ("redirect_uri", "http://127.0.0.1/callback"),
                ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), ("code_challenge_method", "S256"),
            ] + (0..<9).map { ("resource", "https://r\($0).example.com") }
        )
        #expect(
            throws: AuthorizationRequestError.redirect(
                .invalidTarget("at most 8 resources per request"),
                .init(redirectURI: "http://127.0.0.1/callback", responseMode: .query, state: nil)
            )
        ) {
            try AuthorizationRequest.validate(many, config: h.config)
        }
    }

    @Test("resource may repeat in a form; any other parameter may not")
    func repeatedParameters() throws {
        let parameters = try FormParameters.parse("resource=a&scope=x&resource=b&resource=a&resource=")
        #expect(parameters.all("resource") == ["a", "b", "a"] && parameters["resource"] == "a")
        #expect(parameters.all("scope") == ["x"] && parameters.all("state") == [])
        #expect(throws: OAuthError.invalidRequest("parameter scope is repeated")) { try FormParameters.parse("scope=a&scope=b") }
    }

    @Test("RFC 9728 metadata: beside the issuer's files at its origin, in a folder of its own elsewhere; discovery lists the APIs")
    func site() async throws {
        let h = try await harness()
        let files = try SiteBuilder.files(for: h.context.deployment)
        let paths = Set(files.map(\.path))
        #expect(paths.contains(".well-known/oauth-protected-resource/reports"))
        #expect(paths.contains(".well-known/oauth-protected-resource/api"))
        #expect(paths.contains("resources/orders.example.com/.well-known/oauth-protected-resource/v1"))
        #expect(paths.contains("resources/orders.example.com/_headers") && paths.contains("resources/orders.example.com/nginx.conf"))
        let orders = try #require(files.first { $0.path == "resources/orders.example.com/.well-known/oauth-protected-resource/v1" })
        let metadata = try JSONDecoder().decode(ProtectedResourceMetadata.self, from: orders.contents)
        #expect(metadata.resource == Self.orders && metadata.authorizationServers == [Self.issuer])
        #expect(metadata.scopesSupported == ["orders:read"] && metadata.bearerMethodsSupported == ["header"])
        #expect(metadata.resourceName == "Orders" && metadata.resourceDocumentation == "https://orders.example.com/docs")
        let headers = String(decoding: files.first { $0.path == "resources/orders.example.com/_headers" }!.contents, as: UTF8.self)
        #expect(headers.contains("/.well-known/oauth-protected-resource/v1\n  Content-Type: application/json"))
        // permiso serve answers only what lives at its own origin.
        let served = try SiteBuilder.documents(for: h.context.deployment).map(\.urlPath)
        #expect(served.contains("/.well-known/oauth-protected-resource/reports") && !served.contains { $0.hasSuffix("/v1") })
        let discovery = ProviderMetadata(deployment: h.context.deployment)
        #expect(discovery.protectedResources == [Self.orders, Self.reports, "http://127.0.0.1:8080/api"])
        // The same inputs give the same bytes.
        #expect(try SiteBuilder.files(for: h.context.deployment) == files)
    }

    @Test("A resource's location: the well-known segment between host and path, the root's slash dropped")
    func locations() {
        #expect(
            ProtectedResourceMetadata.location(of: "https://API.example.com/v1/x")! == (
                "https://api.example.com", "/.well-known/oauth-protected-resource/v1/x"
            )
        )
        #expect(
            ProtectedResourceMetadata.location(of: "https://api.example.com/")! == (
                "https://api.example.com", "/.well-known/oauth-protected-resource"
            )
        )
        #expect(
            ProtectedResourceMetadata.location(of: "http://127.0.0.1:9000")! == ("http://127.0.0.1:9000", "/.well-known/oauth-protected-resource")
        )
    }

    @Test("Two APIs whose metadata would share a URL, or nest, and an API that is the issuer, are config errors")
    func metadataCollisions() throws {
        let problems = try diagnostics(
            """
            issuer: http://127.0.0.1:8080
            resources:
              - id: https://ok.example.com
              - id: https://OK.example.com:443/
              - id: https://ok.example.com/inner
              - id: http://127.0.0.1:8080
              - id: https://ok.example.com:8443/inner
            """
        )
        #expect(
            problems == [
                "permiso.yaml:4:9: error: resources[1].id: its RFC 9728 metadata would collide with that of resources[0].id (line 3): the two ids name the same place, or one lies inside the other",
                "permiso.yaml:5:9: error: resources[2].id: its RFC 9728 metadata would collide with that of resources[0].id (line 3): the two ids name the same place, or one lies inside the other",
                "permiso.yaml:6:9: error: resources[3].id: a resource cannot be the issuer itself: its tokens would be the ones userinfo takes",
            ],
            "\(problems.joined(separator: "\n"))"
        )
    }

    @Test("Config mistakes in resources name file, line and field")
    func configErrors() throws {
        let problems = try diagnostics(
            """
            issuer: http://127.0.0.1:8080
            scopes:
              orders:read:
                description: Orders
            lifetimes:
              accessToken: 5m
            resources:
              - id: https://api.example.com/v1#frag
              - id: http://api.example.com/v1
              - id: https://api.example.com/a/../../etc
              - id: https://api%2Fexample.com/v1
              - id: https://api.example.com/v1/
              - id: https://ok.example.com
                scopes: [openid, nope, orders:read]
                accessTokenLifetime: 10m
              - id: https://ok.example.com
            clients:
              - id: c
                secretHash: "$2b$10$cvBlbzvRb5mln/bHtdhhpuIXF1zBBsggIBsmcwffFQMYtTRbmQpIm"
                grantTypes: [client_credentials]
                resources: [https://unknown.example.com]
            """
        )
        let expected = [
            "permiso.yaml:8:9: error: resources[0].id: a resource indicator has no fragment (RFC 8707 §2), got \"https://api.example.com/v1#frag\"",
            "permiso.yaml:9:9: error: resources[1].id: expected https (http only for loopback hosts), got \"http://api.example.com/v1\"",
            "permiso.yaml:10:9: error: resources[2].id: a resource indicator's path is plain segments (letters, digits, '-', '.', '_', '~'; no escapes, dot segments or trailing slash), got \"https://api.example.com/a/../../etc\"",
            "permiso.yaml:11:9: error: resources[3].id: a resource indicator's host is a DNS name or IP address, got \"https://api%2Fexample.com/v1\"",
            "permiso.yaml:12:9: error: resources[4].id: a resource indicator's path is plain segments (letters, digits, '-', '.', '_', '~'; no escapes, dot segments or trailing slash), got \"https://api.example.com/v1/\"",
            "permiso.yaml:14:14: error: resources[5].scopes[0]: openid is for the client, not an API; a token for an API never carries it",
            "permiso.yaml:14:22: error: resources[5].scopes[1]: unknown scope \"nope\"; define it under scopes",
            "permiso.yaml:15:26: error: resources[5].accessTokenLifetime: must be at most lifetimes.accessToken (5m), got 10m",
            "permiso.yaml:16:9: error: resources[6].id: duplicate resource \"https://ok.example.com\"; first used at resources[5].id (line 13)",
            "permiso.yaml:21:17: error: clients[0].resources[0]: unknown resource \"https://unknown.example.com\"; define it under resources",
        ]
        for line in expected {
            #expect(problems.contains(line), "missing: \(line)\nall: \(problems.joined(separator: "\n"))")
        }
    }
}
