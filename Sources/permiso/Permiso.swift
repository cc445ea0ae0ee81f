import ArgumentParser
import Foundation
import PermisoCore

/// The `permiso` command line. It parses arguments and calls PermisoCore; nothing more.
///
/// Exit codes: 0 success, 1 a check found a difference (`build --check`), 2 a usage or
/// config error. CI scripts rely on telling the last two apart.
@main
struct Permiso: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "permiso",
        abstract: "An OpenID Connect provider for identity as code.",
        subcommands: [
            BuildCommand.self, CheckCommand.self, ServeCommand.self, InitCommand.self, KeysCommand.self, SchemaCommand.self,
            HashPasswordCommand.self, TOTPCommand.self, RecoveryCodesCommand.self, RevokeCommand.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigError {
            Console.error(error.description)
            Foundation.exit(ExitStatus.usage)
        } catch let error as CommandError {
            Console.error(error.description)
            Foundation.exit(ExitStatus.usage)
        } catch let error as CheckFailed {
            Console.error(error.description)
            Foundation.exit(ExitStatus.checkFailed)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            // ArgumentParser's own message already reads "Error: …" followed by the usage.
            Console.note(fullMessage(for: error))
            Foundation.exit(ExitStatus.usage)
        }
    }
}

enum ExitStatus {
    static let checkFailed: Int32 = 1
    static let usage: Int32 = 2
}

/// `--check` found a difference: exit 1, naming each file.
struct CheckFailed: Error, CustomStringConvertible {
    var description: String
}

/// A problem that is neither a config error nor a failed check: exit 2 with one line.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Console {
    static func error(_ message: String) {
        // Diagnostics already say `file:line:column: error:`; other lines get the prefix.
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.contains(": error: ") ? String(line) : "error: \(line)"
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// The `--config` option every command that reads the config shares.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The config file.")
    var config = "permiso.yaml"
}
