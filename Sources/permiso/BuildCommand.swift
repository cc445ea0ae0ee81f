import ArgumentParser
import PermisoCore

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Write the discovery document, the JWKS and the static-host headers.",
        discussion: """
            The output folder is replaced whole, atomically; the same config and keys always give the same bytes.
            With --check nothing is written: the command exits 1 and names each file that is missing or stale.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(name: .shortAndLong, help: "The output folder.")
    var out = "site"

    @Flag(help: "Write nothing; exit 1 if the output folder is not what a build would write.")
    var check = false

    func run() throws {
        let deployment = try Deployment.load(configFile: options.config)
        let files = try SiteBuilder.files(for: deployment)
        if check {
            let differences = SiteWriter.differences(files, in: out)
            guard differences.isEmpty else {
                throw CheckFailed(
                    description: (differences.map { "\($0)" } + ["run `permiso build` and commit \(out)/"]).joined(
                        separator: "\n"
                    )
                )
            }
            print("\(out)/ is up to date (\(files.count) files)")
            return
        }
        do {
            try SiteWriter.write(files, to: out)
        } catch {
            throw CommandError(error.description)
        }
        for file in files { print("wrote \(out)/\(file.path)") }
    }
}
