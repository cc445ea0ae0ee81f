import ArgumentParser
import Foundation
import PermisoCore

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of permiso.yaml, for editors.",
        discussion: "The repository commits it as permiso.schema.json; the config's first line points yaml-language-server at it."
    )

    @Flag(help: "Print the schema of a users file instead.")
    var usersFile = false

    func run() throws {
        FileHandle.standardOutput.write(try StableJSON.encode(usersFile ? Self.usersSchema : Self.configSchema))
    }

    static let configSchema = JSONSchemaRenderer.schema(for: ConfigSchema.config, id: "permiso.schema.json")
    static let usersSchema = JSONSchemaRenderer.schema(for: ConfigSchema.usersFile, id: "permiso.users.schema.json")
}
