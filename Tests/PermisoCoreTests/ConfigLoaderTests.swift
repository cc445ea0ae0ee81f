import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("Config loading")
struct ConfigLoaderTests {
    @Test("A valid config round-trips into values, with defaults filled in")
    func validConfig() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(
            "permiso.yaml",
            Fixture.config(
                extra: """
                    serviceURL: https://login.example.com
                    lifetimes:
                      accessToken: 15m
                      refreshToken: 7d
                    scopes:
                      groups:
                        description: Your groups
                        claims: [groups]
                    """
            )
        )
        let config = try PermisoConfig.load(file: file, environment: [:])
        #expect(config.issuer.absoluteString == "https://id.example.com")
        #expect(config.serviceURL.absoluteString == "https://login.example.com")
        #expect(config.keysDirectory == directory.file("keys"))
        #expect(config.stateStore == .memory)
        #expect(config.lifetimes.accessToken == 900)
        #expect(config.lifetimes.refreshToken == 7 * 86_400)
        #expect(config.lifetimes.authorizationCode == 60)
        #expect(config.scopes.map(\.name) == ["openid", "profile", "email", "address", "phone", "offline_access", "groups"])
        let client = try #require(config.client(id: "web"))
        #expect(client.name == "Web App")
        #expect(client.authMethod == .clientSecretBasic)
        #expect(client.secretHash == Fixture.secretHash)
        #expect(client.redirectURIs == ["https://app.example.com/cb"])
        #expect(client.grantTypes == [.authorizationCode, .refreshToken])
        #expect(client.signingAlgorithm == .rs256)
        #expect(client.requirePKCE == false)
        #expect(client.firstParty == false)
        let user = try #require(config.users.first)
        #expect(user.username == "alice")
        #expect(user.subject == "alice")
        #expect(user.claims == ["email": "alice@example.com", "email_verified": true])
    }

    @Test("The repository's example config is valid")
    func exampleConfig() throws {
        let deployment = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:], requireSealing: true)
        #expect(deployment.config.clients.map(\.id) == ["demo", "cli", "service", "api"])
        #expect(deployment.config.client(id: "cli")?.isPublic == true)
        #expect(deployment.config.client(id: "cli")?.requirePKCE == true)
    }

    @Test("Malformed YAML names the line and column")
    func malformedYAML() throws {
        let errors = try diagnostics("issuer: https://id.example.com\nclients:\n  - id: [web\n")
        #expect(errors.count == 1)
        #expect(errors[0].hasPrefix("permiso.yaml:4:1: error: invalid YAML: "))
    }

    @Test("A key written twice in one mapping is an error")
    func duplicateKey() throws {
        let errors = try diagnostics("issuer: https://id.example.com\nissuer: https://other.example.com\n")
        #expect(errors == ["permiso.yaml:1:1: error: duplicate key \"issuer\" in one mapping"])
    }

    @Test("Unknown keys are errors, with a suggestion for typos")
    func unknownKeys() throws {
        let errors = try diagnostics("issuer: https://id.example.com\nisuer: x\nlifetimes:\n  acessToken: 5m\n  bogus: 1\n")
        #expect(
            errors == [
                "permiso.yaml:2:1: error: isuer: unknown key \"isuer\" in permiso configuration; did you mean \"issuer\"?",
                "permiso.yaml:4:3: error: lifetimes.acessToken: unknown key \"acessToken\" in lifetimes; did you mean \"accessToken\"?",
                "permiso.yaml:5:3: error: lifetimes.bogus: unknown key \"bogus\" in lifetimes; expected one of authorizationCode, accessToken, idToken, refreshToken, session, deviceCode, activeKey",
            ]
        )
    }

    @Test("A missing required key is reported where its object starts")
    func missingRequired() throws {
        let errors = try diagnostics("keys: keys\n")
        #expect(
            errors == [
                "permiso.yaml:1:1: error: missing required key \"issuer\" (The issuer identifier: https (or http on a loopback host for development), no query or fragment, no trailing slash. The discovery documents and JWKS are published under it.)"
            ]
        )
    }

    @Test("Wrong types say what was expected and what was found")
    func wrongTypes() throws {
        let errors = try diagnostics(
            """
            issuer: https://id.example.com
            clients: web
            lifetimes:
              accessToken: soon
            users:
              - username: [alice]
                passwordHash: "\(Fixture.passwordHash)"
            """
        )
        #expect(
            errors == [
                "permiso.yaml:2:10: error: clients: expected a list, got \"web\"",
                "permiso.yaml:4:16: error: lifetimes.accessToken: expected a duration such as 90s, 10m, 12h or 30d, got \"soon\"",
                "permiso.yaml:6:15: error: users[0].username: expected text, got a list",
            ]
        )
    }

    @Test("One run reports every error, in file order")
    func severalErrors() throws {
        let errors = try diagnostics(
            """
            issuer: http://id.example.com/
            clients:
              - id: web
                redirectURIs: [https://app.example.com/cb#frag]
                scopes: [openid, nope]
              - id: web
                tokenEndpointAuthMethod: none
                grantTypes: [client_credentials]
            """
        )
        #expect(
            errors == [
                "permiso.yaml:1:9: error: issuer: expected https (http is allowed only for loopback hosts such as 127.0.0.1), got \"http://id.example.com/\"",
                "permiso.yaml:4:20: error: clients[0].redirectURIs[0]: must not contain a fragment (RFC 6749 §3.1.2), got \"https://app.example.com/cb#frag\"",
                "permiso.yaml:5:22: error: clients[0].scopes[1]: unknown scope \"nope\"; expected a standard scope or one defined under scopes (openid, profile, email, address, phone, offline_access)",
                "permiso.yaml:6:9: error: clients[1].id: duplicate client id \"web\"; first used at clients[0].id (line 3)",
                "permiso.yaml:8:17: error: clients[1].grantTypes: a public client (tokenEndpointAuthMethod none) cannot use client_credentials; give it a secretHash or remove the grant",
            ]
        )
    }

    @Test("Errors in a users file name that file")
    func usersFile() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "people.yaml",
            """
            users:
              - username: bob
                passwordHash: hunter2
            """
        )
        let file = try directory.write(
            "permiso.yaml",
            "issuer: https://id.example.com\nusersFile: people.yaml\n"
        )
        let error = try #require(throws: ConfigError.self) { try PermisoConfig.load(file: file, environment: [:]) }
        #expect(error.diagnostics.count == 1)
        let diagnostic = try #require(error.diagnostics.first)
        #expect(diagnostic.file == directory.file("people.yaml"))
        #expect((diagnostic.line, diagnostic.column) == (3, 19))
        #expect(diagnostic.field == "users[0].passwordHash")
        #expect(diagnostic.message.hasPrefix("expected a bcrypt ($2b$), yescrypt ($y$) or sha512-crypt ($6$) hash of the password"))
    }

    @Test("Users from the users file join the inline ones, and duplicates across both are found")
    func usersFileMerges() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "people.yaml",
            "users:\n  - username: bob\n    passwordHash: \"\(Fixture.passwordHash)\"\n  - username: Alice\n    passwordHash: \"\(Fixture.passwordHash)\"\n"
        )
        let file = try directory.write("permiso.yaml", Fixture.config(extra: "usersFile: people.yaml"))
        let error = try #require(throws: ConfigError.self) { try PermisoConfig.load(file: file, environment: [:]) }
        #expect(
            error.diagnostics.map(\.message)
                == ["duplicate username \"Alice\"; first used in permiso.yaml at line 9"].map {
                    $0.replacingOccurrences(of: "permiso.yaml", with: file)
                }
        )
        try directory.write(
            "people.yaml",
            "users:\n  - username: bob\n    passwordHash: \"\(Fixture.passwordHash)\"\n"
        )
        let config = try PermisoConfig.load(file: file, environment: [:])
        #expect(config.users.map(\.username) == ["alice", "bob"])
    }
}

@Suite("Durations")
struct DurationTextTests {
    @Test(
        "Durations read as seconds",
        arguments: [
            ("90s", 90), ("10m", 600), ("12h", 43_200), ("30d", 2_592_000), ("45", 45), (" 5m ", 300),
        ]
    )
    func parses(_ text: String, _ seconds: Int) {
        #expect(DurationText.seconds(from: text) == seconds)
    }

    @Test("Anything else is not a duration", arguments: ["", "m", "1 0m", "-5s", "5w", "1.5h", "99999999999999999999d"])
    func refuses(_ text: String) {
        #expect(DurationText.seconds(from: text) == nil)
    }

    @Test("Seconds print in the largest exact unit")
    func prints() {
        #expect(DurationText.text(for: 86_400) == "1d")
        #expect(DurationText.text(for: 5_400) == "90m")
        #expect(DurationText.text(for: 61) == "61s")
    }
}
