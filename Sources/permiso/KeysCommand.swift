import ArgumentParser
import Foundation
import PermisoCore

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate, rotate and list signing keys and sealing secrets.",
        subcommands: [Generate.self, Rotate.self, List.self]
    )

    /// Where the keys are: the config's `keys` folder, unless `--keys` names one.
    struct Location: ParsableArguments {
        @OptionGroup var options: ConfigOption

        @Option(help: "The keys folder; defaults to the config's `keys` setting.")
        var keys: String?

        /// The config when its file exists; `permiso keys` also works before there is one.
        func config() throws -> PermisoConfig? {
            guard FileManager.default.fileExists(atPath: options.config) else { return nil }
            return try PermisoConfig.load(file: options.config)
        }

        func directory(_ config: PermisoConfig?) -> KeyDirectory {
            KeyDirectory(path: keys ?? config?.keysDirectory ?? "keys")
        }

        /// The folder alone: the config is read only when `--keys` does not name one, so a
        /// folder can be filled before the config exists or while it names variables that
        /// are not set here.
        func directory() throws -> KeyDirectory {
            if let keys { return KeyDirectory(path: keys) }
            return directory(try config())
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a key: active if its algorithm has none yet, otherwise next (published, not yet signing)."
        )

        @OptionGroup var location: Location

        @Option(help: "RS256, PS256, ES256 or EdDSA.")
        var alg: String?

        @Flag(help: "Add a sealing secret instead of a signing key.")
        var sealing = false

        @Flag(help: "Mark the folder as development keys, which `permiso serve` refuses for non-loopback issuers.")
        var development = false

        func validate() throws {
            if sealing == (alg != nil) { throw ValidationError("give either --alg or --sealing") }
            if let alg, SigningAlgorithm(rawValue: alg) == nil {
                throw ValidationError("--alg must be one of \(SigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let directory = try location.directory()
            let flag: Bool? = development ? true : nil
            let report: [String]
            do {
                if let alg, let algorithm = SigningAlgorithm(rawValue: alg) {
                    report = try directory.generate(algorithm, development: flag)
                } else {
                    report = try directory.generateSealingSecret(development: flag)
                }
            } catch let error as KeyOperationError {
                throw CommandError(error.description)
            }
            for line in report { print(line) }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire the active keys, promote the next ones, and pre-publish fresh next keys.",
            discussion: """
                Retired signing keys stay published for the longest token lifetime plus the JWKS cache time; retired
                sealing secrets keep opening values for the longest sealed lifetime. Both come from the config.
                Retired keys whose time has passed are removed. Run `permiso build` afterwards to republish the JWKS.
                """
        )

        @OptionGroup var location: Location

        @Option(help: "Rotate only this algorithm's keys (repeatable); all by default.")
        var alg: [String] = []

        @Flag(help: "Leave the sealing secrets as they are.")
        var signingOnly = false

        @Flag(help: "Rotate even if the next key was published less than one JWKS cache time ago.")
        var force = false

        func run() throws {
            let config = try location.config()
            let algorithms = try alg.map { name -> SigningAlgorithm in
                guard let algorithm = SigningAlgorithm(rawValue: name) else {
                    throw ValidationError("--alg must be one of \(SigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return algorithm
            }
            let policy =
                config.map(KeyDirectory.RotationPolicy.init(config:))
                ?? KeyDirectory.RotationPolicy(
                    signingRetention: 86_400,
                    sealingRetention: 30 * 86_400,
                    minimumNextAge: 300
                )
            do {
                let report = try location.directory(config).rotate(
                    algorithms: algorithms.isEmpty ? nil : algorithms,
                    sealing: !signingOnly,
                    policy: policy,
                    force: force
                )
                for line in report { print(line) }
            } catch let error as KeyOperationError {
                throw CommandError(error.description)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys with their ids, states and dates.")

        @OptionGroup var location: Location

        func run() throws {
            let rows = try location.directory().list()
            print("KIND     STATE    ID                                           CREATED               KEEP UNTIL")
            for row in rows {
                let kind = row.kind.padding(toLength: 8, withPad: " ", startingAt: 0)
                let state = row.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                let id = row.id.padding(toLength: 44, withPad: " ", startingAt: 0)
                let until = row.keepUntil.map { Timestamp.format($0) } ?? "-"
                print("\(kind) \(state) \(id) \(Timestamp.format(row.created))  \(until)")
            }
        }
    }
}
