import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// Loads `yaml` as `permiso.yaml` in a fresh folder and returns its diagnostics with the folder removed from paths.
func diagnostics(
    _ yaml: String,
    environment: [String: String] = [:],
    files: [String: String] = [:]
) throws -> [String] {
    let directory = try TemporaryDirectory()
    for (name, text) in files { try directory.write(name, text) }
    let file = try directory.write("permiso.yaml", yaml)
    do {
        _ = try PermisoConfig.load(file: file, environment: environment)
        return []
    } catch {
        return error.diagnostics.map { $0.description.replacingOccurrences(of: directory.path + "/", with: "") }
    }
}
