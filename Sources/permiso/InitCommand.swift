import ArgumentParser
import Foundation
import PermisoCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Scaffold a config and development keys for a new deployment.",
        discussion: """
            Writes DIR/permiso.yaml with one user and one client, and DIR/keys/ with RS256 and ES256 signing keys and a
            sealing secret (each with a next one already published). The user's password and the client's secret are
            printed once: only their hashes are written. The keys are marked as development keys.
            """
    )

    @Argument(help: "The folder to create it in.")
    var directory = "."

    @Option(help: "The issuer URL.")
    var issuer = "http://127.0.0.1:8080"

    func run() throws {
        let fileManager = FileManager.default
        let configPath = (directory as NSString).appendingPathComponent("permiso.yaml")
        let keysPath = (directory as NSString).appendingPathComponent("keys")
        guard !fileManager.fileExists(atPath: configPath) else {
            throw CommandError("\(configPath) already exists; init never overwrites")
        }
        guard !fileManager.fileExists(atPath: (keysPath as NSString).appendingPathComponent("manifest.yaml")) else {
            throw CommandError("\(keysPath)/manifest.yaml already exists; init never overwrites")
        }
        try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let password = RandomText.make(length: 16)
        let secret = RandomText.make(length: 32)
        let keys = KeyDirectory(path: keysPath)
        for algorithm in [SigningAlgorithm.rs256, .es256] {
            try keys.generate(algorithm, development: true)
            try keys.generate(algorithm, development: true)
        }
        try keys.generateSealingSecret(development: true)
        try keys.generateSealingSecret(development: true)
        try Data(KeysReadme.text.utf8).write(to: URL(fileURLWithPath: (keysPath as NSString).appendingPathComponent("README.md")))
        let config = ConfigTemplate.text(
            issuer: issuer,
            passwordHash: try PasswordHash.make(password),
            secretHash: try PasswordHash.make(secret)
        )
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        try StableJSON.encode(SchemaCommand.configSchema).write(
            to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("permiso.schema.json"))
        )
        print(
            """
            wrote \(configPath), its schema, and \(keysPath)/ (development keys)
            user:   admin / \(password)
            client: my-app / \(secret)
            These are shown once; only their hashes are stored. Next: permiso check --config \(configPath)
            """
        )
    }
}

/// Passwords and secrets people may have to type: no look-alike characters.
enum RandomText {
    static let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    static func make(length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

enum ConfigTemplate {
    static func text(issuer: String, passwordHash: String, secretHash: String) -> String {
        """
        # yaml-language-server: $schema=./permiso.schema.json
        # Permiso configuration. `permiso schema` prints the full reference as JSON Schema.
        issuer: \(issuer)
        keys: keys
        stateStore: memory

        lifetimes:
          accessToken: 10m
          idToken: 10m
          refreshToken: 30d
          session: 12h

        branding:
          name: Permiso

        clients:
          - id: my-app
            name: My App
            secretHash: "\(secretHash)"
            redirectURIs:
              - http://127.0.0.1:3000/callback
            postLogoutRedirectURIs:
              - http://127.0.0.1:3000/
            scopes: [openid, profile, email, offline_access]

        users:
          - username: admin
            passwordHash: "\(passwordHash)"
            claims:
              name: Administrator
              email: admin@example.com
              email_verified: true

        """
    }
}

enum KeysReadme {
    static let text = """
        # Development keys — do not use in production

        These keys were made by `permiso init` and are marked `development: true` in
        `manifest.yaml`. Anyone with this folder can sign tokens as this provider, so
        `permiso serve` refuses them unless the issuer is a loopback URL.

        For a real deployment, make keys where they will live and never commit them:

            permiso keys generate --keys /secure/keys --alg RS256
            permiso keys generate --keys /secure/keys --sealing

        """
}
