import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// The `permiso` binary as users and CI jobs run it: exit codes, messages, files.
@Suite("Command line")
struct CommandLineTests {
    func project() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.copyDevelopmentKeys()
        try directory.write("permiso.yaml", Fixture.config())
        return directory
    }

    @Test("build writes the site; --check passes on it and fails, naming the file, after a config change")
    func buildAndCheck() throws {
        let directory = try project()
        let build = try runPermiso(["build"], in: directory.path)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stdout.contains("wrote site/.well-known/openid-configuration"))
        let fresh = try runPermiso(["build", "--check"], in: directory.path)
        #expect(fresh.status == 0, "\(fresh.stderr)")

        try directory.write("permiso.yaml", Fixture.config(extra: "scopes:\n  groups:\n    description: Groups\n    claims: [groups]"))
        let stale = try runPermiso(["build", "--check"], in: directory.path)
        #expect(stale.status == 1)
        #expect(
            stale.stderr == """
                error: site/.well-known/openid-configuration: stale
                error: site/.well-known/oauth-authorization-server: stale
                error: run `permiso build` and commit site/

                """
        )
        // --check wrote nothing.
        #expect(try runPermiso(["build", "--check"], in: directory.path).status == 1)
    }

    @Test("A config error exits 2 with one line per problem")
    func configErrorExitCode() throws {
        let directory = try project()
        try directory.write("permiso.yaml", "issuer: http://id.example.com\nclients: 3\n")
        let result = try runPermiso(["build"], in: directory.path)
        #expect(result.status == 2)
        #expect(
            result.stderr == """
                permiso.yaml:1:9: error: issuer: expected https (http is allowed only for loopback hosts such as 127.0.0.1), got "http://id.example.com"
                permiso.yaml:2:10: error: clients: expected a list, got "3"

                """
        )
        #expect(!FileManager.default.fileExists(atPath: directory.file("site")))
    }

    @Test("A missing environment variable and a missing config file are config errors")
    func missingInputs() throws {
        let directory = try project()
        try directory.write("permiso.yaml", "issuer: https://id.example.com\nstateStore: ${PERMISO_TEST_UNSET_VARIABLE}\n")
        let unset = try runPermiso(["check"], in: directory.path)
        #expect(unset.status == 2)
        #expect(unset.stderr == "permiso.yaml:2:13: error: stateStore: environment variable PERMISO_TEST_UNSET_VARIABLE is not set\n")
        let missing = try runPermiso(["check", "--config", "nope.yaml"], in: directory.path)
        #expect(missing.status == 2)
        #expect(missing.stderr == "nope.yaml:1:1: error: cannot read the file: no such file\n")
    }

    @Test("An unwritable output folder exits 2 and writes nothing")
    func unwritableOutput() throws {
        let directory = try project()
        try directory.write("blocker", "")
        let result = try runPermiso(["build", "--out", "blocker/site"], in: directory.path)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("error: cannot write blocker/site: "))
    }

    @Test("Usage errors exit 2")
    func usageError() throws {
        let directory = try project()
        #expect(try runPermiso(["build", "--frobnicate"], in: directory.path).status == 2)
        #expect(try runPermiso(["keys", "generate", "--alg", "HS256"], in: directory.path).status == 2)
    }

    @Test("hash-password reads standard input and prints a hash that verifies")
    func hashPassword() throws {
        let directory = try TemporaryDirectory()
        let result = try runPermiso(["hash-password", "--cost", "4"], in: directory.path, input: "s3cret pass\n")
        #expect(result.status == 0, "\(result.stderr)")
        let hash = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(PasswordHash.verify("s3cret pass", against: hash))
        #expect(try runPermiso(["hash-password"], in: directory.path, input: "").status == 2)
    }

    @Test("init scaffolds a deployment that checks and builds")
    func initScaffold() throws {
        let directory = try TemporaryDirectory()
        let result = try runPermiso(["init", "acme"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let password = try #require(result.stdout.firstMatch(of: /user:\s+admin \/ (\S+)/)?.output.1)
        let config = try PermisoConfig.load(file: directory.file("acme/permiso.yaml"), environment: [:])
        #expect(PasswordHash.verify(String(password), against: config.users[0].passwordHash))
        #expect(try runPermiso(["check", "--config", "acme/permiso.yaml"], in: directory.path).status == 0)
        #expect(try runPermiso(["build", "--config", "acme/permiso.yaml", "--out", "acme/site"], in: directory.path).status == 0)
        #expect(try KeyRing.load(directory: directory.file("acme/keys")).manifest.development)
        let again = try runPermiso(["init", "acme"], in: directory.path)
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists; init never overwrites"))
    }

    @Test("keys generate, rotate and list work on the config's keys folder")
    func keysCommands() throws {
        let directory = try TemporaryDirectory()
        try directory.write("permiso.yaml", "issuer: https://id.example.com\nsite:\n  jwksMaxAge: 0\n")
        #expect(try runPermiso(["keys", "generate", "--alg", "EdDSA"], in: directory.path).stdout.contains("is active"))
        #expect(try runPermiso(["keys", "generate", "--alg", "EdDSA"], in: directory.path).stdout.contains("is next"))
        let third = try runPermiso(["keys", "generate", "--alg", "EdDSA"], in: directory.path)
        #expect(third.status == 2)
        #expect(third.stderr == "error: EdDSA already has a next key; run `permiso keys rotate` to promote it first\n")
        let rotate = try runPermiso(["keys", "rotate", "--signing-only"], in: directory.path)
        #expect(rotate.status == 0, "\(rotate.stderr)")
        let list = try runPermiso(["keys", "list"], in: directory.path)
        #expect(
            list.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("EdDSA") }.map { $0.split(separator: " ")[1] } == [
                "retired", "active", "next",
            ]
        )
    }

    @Test("keys generate and list with --keys never read the config: a broken one, or one naming unset variables, is fine")
    func keysWithoutConfig() throws {
        let directory = try TemporaryDirectory()
        try directory.write("permiso.yaml", "issuer: https://id.example.com\nstateStore: ${UNSET_REDIS_URL}\n")
        let generate = try runPermiso(["keys", "generate", "--alg", "ES256", "--keys", "fresh"], in: directory.path)
        #expect(generate.status == 0 && generate.stdout.contains("is active"), "\(generate.stderr)")
        let list = try runPermiso(["keys", "list", "--keys", "fresh"], in: directory.path)
        #expect(list.status == 0 && list.stdout.contains("ES256"), "\(list.stderr)")
        // Without --keys the folder comes from the config, which must then load.
        #expect(try runPermiso(["keys", "list"], in: directory.path).status == 2)
    }

    @Test("The committed JSON Schemas are what `permiso schema` prints")
    func committedSchema() throws {
        let directory = try TemporaryDirectory()
        let config = try runPermiso(["schema"], in: directory.path)
        #expect(config.stdout == (try String(contentsOfFile: Repository.root + "/permiso.schema.json", encoding: .utf8)))
        let users = try runPermiso(["schema", "--users-file"], in: directory.path)
        #expect(users.stdout == (try String(contentsOfFile: Repository.root + "/permiso.users.schema.json", encoding: .utf8)))
    }
}
