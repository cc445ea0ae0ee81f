import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("Static site")
struct SiteTests {
    /// A deployment in a fresh folder, built from `Fixture.config` and the development keys.
    func deployment(
        _ directory: TemporaryDirectory,
        extra: String = "",
        issuer: String = "https://id.example.com"
    ) throws
        -> Deployment
    {
        if !FileManager.default.fileExists(atPath: directory.file("keys")) { try directory.copyDevelopmentKeys() }
        let file = try directory.write("permiso.yaml", Fixture.config(issuer: issuer, extra: extra))
        return try Deployment.load(configFile: file, environment: [:])
    }

    func metadata(_ files: [SiteFile], _ path: String) throws -> [String: Any] {
        let file = try #require(files.first { $0.path == path })
        return try #require(try JSONSerialization.jsonObject(with: file.contents) as? [String: Any])
    }

    @Test("Discovery has every field OIDC Discovery requires, consistent with the config")
    func discoveryFields() throws {
        let directory = try TemporaryDirectory()
        let deployment = try deployment(
            directory,
            extra: """
                serviceURL: https://login.example.com
                scopes:
                  groups:
                    description: Groups
                    claims: [groups]
                """
        )
        let files = try SiteBuilder.files(for: deployment)
        let discovery = try metadata(files, ".well-known/openid-configuration")
        for field in [
            "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported",
            "subject_types_supported", "id_token_signing_alg_values_supported", "userinfo_endpoint", "scopes_supported",
            "claims_supported", "end_session_endpoint", "device_authorization_endpoint", "grant_types_supported",
            "response_modes_supported", "token_endpoint_auth_methods_supported", "code_challenge_methods_supported",
            "authorization_response_iss_parameter_supported",
        ] {
            #expect(discovery[field] != nil, "missing \(field)")
        }
        #expect(discovery["issuer"] as? String == "https://id.example.com")
        #expect(discovery["jwks_uri"] as? String == "https://id.example.com/.well-known/jwks.json")
        #expect(discovery["authorization_endpoint"] as? String == "https://login.example.com/oauth/authorize")
        #expect(discovery["token_endpoint"] as? String == "https://login.example.com/oauth/token")
        #expect(discovery["userinfo_endpoint"] as? String == "https://login.example.com/oauth/userinfo")
        #expect(discovery["end_session_endpoint"] as? String == "https://login.example.com/oauth/logout")
        #expect(discovery["device_authorization_endpoint"] as? String == "https://login.example.com/oauth/device/code")
        #expect(discovery["response_types_supported"] as? [String] == ["code"])
        #expect(discovery["code_challenge_methods_supported"] as? [String] == ["S256"])
        #expect(discovery["id_token_signing_alg_values_supported"] as? [String] == ["RS256", "PS256", "ES256", "EdDSA"])
        #expect((discovery["scopes_supported"] as? [String])?.last == "groups")
        #expect((discovery["claims_supported"] as? [String])?.contains("groups") == true)
        #expect(discovery["request_uri_parameter_supported"] as? Bool == false)
        #expect(discovery["authorization_response_iss_parameter_supported"] as? Bool == true)
        // RFC 8414 metadata says the same.
        let rfc8414 = try #require(files.first { $0.path == ".well-known/oauth-authorization-server" })
        #expect(rfc8414.contents == files.first { $0.path == ".well-known/openid-configuration" }?.contents)
    }

    @Test("Only algorithms with an active key are advertised")
    func advertisedAlgorithms() throws {
        let directory = try TemporaryDirectory()
        let keys = KeyDirectory(path: directory.file("keys"))
        try keys.generate(.rs256)
        let deployment = try deployment(directory)
        let discovery = try metadata(try SiteBuilder.files(for: deployment), ".well-known/openid-configuration")
        #expect(discovery["id_token_signing_alg_values_supported"] as? [String] == ["RS256"])
    }

    @Test("A client's algorithms need an active key; RS256 always does")
    func algorithmNeedsKey() throws {
        let directory = try TemporaryDirectory()
        try KeyDirectory(path: directory.file("keys")).generate(.es256)
        let file = try directory.write(
            "permiso.yaml",
            "issuer: https://id.example.com\nclients:\n  - id: app\n    tokenEndpointAuthMethod: none\n    redirectURIs: [http://127.0.0.1/cb]\n    idTokenSignedResponseAlg: EdDSA\n    accessTokenSigningAlg: PS256\n"
        )
        let error = try #require(throws: ConfigError.self) { try Deployment.load(configFile: file, environment: [:]) }
        let lines = error.diagnostics.map { $0.description.replacingOccurrences(of: directory.path + "/", with: "") }
        #expect(
            lines == [
                "keys/manifest.yaml:1:1: error: signing: no active RS256 key; OpenID Connect requires RS256 (run `permiso keys generate --alg RS256`)",
                "permiso.yaml:6:31: error: clients[0].idTokenSignedResponseAlg: no active EdDSA key in keys; run `permiso keys generate --alg EdDSA`",
                "permiso.yaml:7:28: error: clients[0].accessTokenSigningAlg: no active PS256 key in keys; run `permiso keys generate --alg PS256`",
            ]
        )
        let unknown = try diagnostics(
            "issuer: https://id.example.com\nclients:\n  - id: app\n    tokenEndpointAuthMethod: none\n    redirectURIs: [http://127.0.0.1/cb]\n    accessTokenSigningAlg: HS256\n"
        )
        #expect(unknown.count == 1 && unknown[0].hasPrefix("permiso.yaml:6:28: error: clients[0].accessTokenSigningAlg: "), "\(unknown)")
    }

    @Test("An issuer with a path puts each file where its spec looks for it")
    func issuerWithPath() throws {
        let directory = try TemporaryDirectory()
        let deployment = try deployment(directory, issuer: "https://id.example.com/tenant")
        let files = try SiteBuilder.files(for: deployment)
        #expect(
            files.map(\.path) == [
                "tenant/.well-known/openid-configuration", ".well-known/oauth-authorization-server/tenant",
                "tenant/.well-known/jwks.json", "_headers", "nginx.conf",
            ]
        )
        let discovery = try metadata(files, "tenant/.well-known/openid-configuration")
        #expect(discovery["jwks_uri"] as? String == "https://id.example.com/tenant/.well-known/jwks.json")
    }

    @Test("Two builds from the same inputs are byte-identical")
    func reproducible() throws {
        let directory = try TemporaryDirectory()
        let first = try SiteBuilder.files(for: try deployment(directory))
        let second = try SiteBuilder.files(for: try deployment(directory))
        #expect(first == second)
        try SiteWriter.write(first, to: directory.file("a"))
        try SiteWriter.write(second, to: directory.file("b"))
        for file in first {
            let a = FileManager.default.contents(atPath: directory.file("a/" + file.path))
            let b = FileManager.default.contents(atPath: directory.file("b/" + file.path))
            #expect(a != nil && a == b, "\(file.path)")
        }
    }

    @Test("The committed site/ is what the example config builds")
    func committedSiteIsFresh() throws {
        let deployment = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let differences = SiteWriter.differences(try SiteBuilder.files(for: deployment), in: Repository.root + "/site")
        #expect(differences.isEmpty, "run `permiso build`: \(differences)")
    }

    @Test("Differences name missing, stale and foreign files")
    func differences() throws {
        let directory = try TemporaryDirectory()
        let files = try SiteBuilder.files(for: try deployment(directory))
        let site = directory.file("site")
        #expect(SiteWriter.differences(files, in: site).count == files.count)
        try SiteWriter.write(files, to: site)
        #expect(SiteWriter.differences(files, in: site).isEmpty)
        try directory.write("site/.well-known/jwks.json", "{}\n")
        try directory.write("site/index.html", "hello")
        try FileManager.default.removeItem(atPath: directory.file("site/_headers"))
        #expect(
            SiteWriter.differences(files, in: site).map(\.description) == [
                "\(site)/.well-known/jwks.json: stale", "\(site)/_headers: missing",
                "\(site)/index.html: not written by permiso build",
            ]
        )
    }

    @Test("A rebuild replaces the whole folder; a foreign folder is never replaced")
    func replacement() throws {
        let directory = try TemporaryDirectory()
        let files = try SiteBuilder.files(for: try deployment(directory))
        try SiteWriter.write(files, to: directory.file("site"))
        try directory.write("site/stray.txt", "left over")
        try SiteWriter.write(files, to: directory.file("site"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("site/stray.txt")))

        try directory.write("public/index.html", "<h1>my site</h1>")
        let error = try #require(throws: SiteWriter.WriteError.self) {
            try SiteWriter.write(files, to: directory.file("public"))
        }
        #expect(error.description.contains("was not written by permiso build"))
        #expect(FileManager.default.fileExists(atPath: directory.file("public/index.html")))
        // Nothing half-written is left beside it.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test("An unwritable output folder fails cleanly and leaves the old site whole")
    func unwritable() throws {
        let directory = try TemporaryDirectory()
        let files = try SiteBuilder.files(for: try deployment(directory))
        try directory.write("blocker", "a file where a folder should be")
        let error = try #require(throws: SiteWriter.WriteError.self) {
            try SiteWriter.write(files, to: directory.file("blocker/site"))
        }
        #expect(error.description.hasPrefix("cannot write \(directory.file("blocker/site")): "))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["blocker", "keys", "permiso.yaml"])
    }

    @Test("The static-host files set JSON, caching and CORS for each file")
    func hostHeaders() throws {
        let directory = try TemporaryDirectory()
        let files = try SiteBuilder.files(for: try deployment(directory, extra: "site:\n  jwksMaxAge: 2m\n  discoveryMaxAge: 1d"))
        let headers = try #require(files.first { $0.path == "_headers" }.map { String(decoding: $0.contents, as: UTF8.self) })
        #expect(
            headers.contains(
                "/.well-known/jwks.json\n  Content-Type: application/json\n  Cache-Control: public, max-age=120\n  Access-Control-Allow-Origin: *\n"
            )
        )
        #expect(headers.contains("/.well-known/openid-configuration\n  Content-Type: application/json\n  Cache-Control: public, max-age=86400\n"))
        let nginx = try #require(files.first { $0.path == "nginx.conf" }.map { String(decoding: $0.contents, as: UTF8.self) })
        #expect(
            nginx.contains(
                "location = /.well-known/jwks.json {\n    types { }\n    default_type application/json;\n    add_header Cache-Control \"public, max-age=120\" always;"
            )
        )
    }
}
