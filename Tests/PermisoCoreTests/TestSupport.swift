import Foundation
import Testing

@testable import PermisoCore

/// A folder under /tmp that is removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "permiso-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Copies the repository's development keys, so a config here can be built.
    func copyDevelopmentKeys(to name: String = "keys") throws {
        try FileManager.default.copyItem(atPath: Repository.root + "/keys", toPath: file(name))
    }
}

enum Repository {
    /// The checkout this test file is in.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The `permiso` binary `swift build` put beside the test bundle.
    static let permisoBinary: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        // The test binary sits inside `permisoPackageTests.xctest` on some platforms.
        if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("permiso").path
    }()
}

/// Hashes made once for fixtures (bcrypt at the lowest cost, so tests stay fast).
enum Fixture {
    /// `secret`
    static let secretHash = "$2b$04$rLL32TotevtNT5Ipbs4xNulrGmaF6yenuu1BqmiqD0jM12Epgyib."
    /// `password`
    static let passwordHash = "$2b$04$5FykbIE88ca9Qw0qmh3G1erMPxgvus/.18uauf87ZlIYycrzebJVu"

    /// A small valid config; tests add to or replace parts of it.
    static func config(issuer: String = "https://id.example.com", extra: String = "") -> String {
        """
        issuer: \(issuer)
        clients:
          - id: web
            name: Web App
            secretHash: "\(secretHash)"
            redirectURIs: [https://app.example.com/cb]
            scopes: [openid, profile, email]
        users:
          - username: alice
            passwordHash: "\(passwordHash)"
            claims:
              email: alice@example.com
              email_verified: true
        \(extra)
        """
    }
}

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

/// Runs the `permiso` binary and returns its exit status and output.
func runPermiso(
    _ arguments: [String],
    in directory: String,
    input: String? = nil
) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Repository.permisoBinary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let stdout = Pipe()
    let stderr = Pipe()
    let stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
