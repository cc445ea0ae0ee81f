import Foundation

/// Where the checkout and its built binary are, for tests that read committed files or run
/// the `permiso` command.
public enum Repository {
    /// The checkout this file is in.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The example config at the top of the checkout.
    public static var exampleConfig: String { root + "/permiso.yaml" }

    /// The `permiso` binary `swift build` put beside the test bundle.
    public static let permisoBinary: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        // The test binary sits inside `permisoPackageTests.xctest` on some platforms.
        if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("permiso").path
    }()
}

/// A folder under the temporary directory that is removed when the value is released.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "permiso-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    public func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Copies the repository's development keys, so a config here can be built.
    public func copyDevelopmentKeys(to name: String = "keys") throws {
        try FileManager.default.copyItem(atPath: Repository.root + "/keys", toPath: file(name))
    }
}
