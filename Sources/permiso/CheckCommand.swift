import ArgumentParser
import PermisoCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config and keys, as the token service will load them; write nothing."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let deployment = try Deployment.load(configFile: options.config, requireSealing: true)
        let config = deployment.config
        print(
            "\(options.config): ok — \(config.clients.count) clients, \(config.users.count) users, \(deployment.keys.signing.count) signing keys, \(deployment.keys.sealing.count) sealing secrets"
        )
    }
}
