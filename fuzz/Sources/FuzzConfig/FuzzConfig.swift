import Foundation
import FuzzSupport
import PermisoCore

/// The YAML config loader on any file: it either loads or names at least one problem —
/// never a crash, and never a failure without a diagnostic (each has file, line and field).
/// The users file a config may name is fuzzed too: the input is both files at once.
@main
enum FuzzConfig {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let text = input.restAsText()
    // The input is `permiso.yaml`, and, after a line `---users---`, `users.yaml`.
    let parts = text.components(separatedBy: "\n---users---\n")
    do {
        try Data(parts[0].utf8).write(to: ConfigFiles.config)
        try Data((parts.count > 1 ? parts[1] : "").utf8).write(to: ConfigFiles.users)
    } catch {
        fatalError("cannot write the fuzz config: \(error)")
    }
    do {
        _ = try PermisoConfig.load(file: ConfigFiles.config.path, environment: ConfigFiles.environment)
    } catch {
        fuzzAssert(!error.diagnostics.isEmpty, "a config was refused without a diagnostic")
        for diagnostic in error.diagnostics {
            fuzzAssert(!diagnostic.description.isEmpty, "an empty diagnostic")
        }
    }
    return 0
}

/// The files one fuzzing process writes its inputs to: in memory where Linux has it.
enum ConfigFiles {
    static let directory: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("permiso-fuzz-config-\(getpid())")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
    static let config = directory.appendingPathComponent("permiso.yaml")
    static let users = directory.appendingPathComponent("users.yaml")
    /// Secret references (`${NAME}`) resolve against these.
    static let environment = ["CLIENT_SECRET_HASH": FuzzFixtureHashes.secret, "EMPTY": ""]
}

enum FuzzFixtureHashes {
    static let secret = "$2b$04$rLL32TotevtNT5Ipbs4xNulrGmaF6yenuu1BqmiqD0jM12Epgyib."
}
