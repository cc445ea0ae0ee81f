import ArgumentParser
import PermisoCore

struct RecoveryCodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery-codes",
        abstract: "One-time codes for when a user's second factor is lost.",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make recovery codes for a user: print them once, and their hashes as config lines.",
            discussion: """
                Give the codes to the person (printed, or in a password manager); the config keeps only
                their hashes. Each code works once, after the password, in place of the authenticator
                code or passkey. New codes replace the old: put the new lines in place of the old ones.
                    permiso recovery-codes generate alice
                """
        )

        @OptionGroup var options: ConfigOption

        @Argument(help: "The username, as in the config.")
        var username: String

        @Option(help: "How many codes.")
        var count = RecoveryCodeSignIn.count

        func run() throws {
            let config = try PermisoConfig.load(file: options.config)
            guard let user = config.user(username: username) else {
                throw CommandError("\(options.config): no user \(username)")
            }
            guard (1...100).contains(count) else { throw CommandError("--count must be between 1 and 100") }
            if !user.hasSecondFactor {
                throw CommandError("\(username) has no second factor to recover: add totp or a passkey first")
            }
            let codes = (0..<count).map { _ in RecoveryCodeSignIn.generate() }
            print("Recovery codes for \(username) (each works once; they are not shown again):")
            for code in codes { print("  \(code)") }
            print("\nThen put these lines under the user in \(options.config), in place of any earlier recoveryCodes, and reload:")
            print("    recoveryCodes:")
            for code in codes { print("      - \(RecoveryCodeSignIn.hash(RecoveryCodeSignIn.normalize(code)!))") }
        }
    }
}
