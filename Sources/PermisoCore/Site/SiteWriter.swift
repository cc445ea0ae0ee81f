internal import Foundation

/// Writes the site folder whole, or compares it with what a build would write.
///
/// The files are written to a temporary folder beside the output and swapped in with
/// renames, so a failed or interrupted build never leaves a half-written site behind.
public enum SiteWriter {
    /// How an existing site differs from a fresh build.
    public enum Difference: Sendable, Equatable, CustomStringConvertible {
        case missing(String)
        case stale(String)
        case unexpected(String)

        public var description: String {
            switch self {
            case .missing(let path): return "\(path): missing"
            case .stale(let path): return "\(path): stale"
            case .unexpected(let path): return "\(path): not written by permiso build"
            }
        }
    }

    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Replaces `folder` with exactly `files`.
    public static func write(_ files: [SiteFile], to folder: String) throws(WriteError) {
        let fileManager = FileManager.default
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: target.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw WriteError(description: "\(folder) exists and is not a folder") }
            guard isOurs(target) else {
                throw WriteError(
                    description:
                        "\(folder) exists and was not written by permiso build (no \(StaticHostHeaders.netlifyFile) marker); choose another --out or empty it"
                )
            }
        }
        let suffix = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).new-\(suffix)")
        let previous = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(suffix)")
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
            for file in files {
                let url = staging.appendingPathComponent(file.path)
                try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try file.contents.write(to: url)
            }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw WriteError(description: "cannot write \(folder): \(FileProblem.describe(error))")
        }
        let existed = fileManager.fileExists(atPath: target.path)
        if existed && rename(target.path, previous.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? fileManager.removeItem(at: staging)
            throw WriteError(description: "cannot replace \(folder): \(reason)")
        }
        if rename(staging.path, target.path) != 0 {
            let reason = String(cString: strerror(errno))
            if existed { _ = rename(previous.path, target.path) }
            try? fileManager.removeItem(at: staging)
            throw WriteError(description: "cannot replace \(folder): \(reason)")
        }
        if existed { try? fileManager.removeItem(at: previous) }
    }

    /// What differs between `folder` and `files`; empty when the site is up to date.
    public static func differences(_ files: [SiteFile], in folder: String) -> [Difference] {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        var differences: [Difference] = []
        for file in files {
            let url = root.appendingPathComponent(file.path)
            guard let existing = FileManager.default.contents(atPath: url.path) else {
                differences.append(.missing(display(folder, file.path)))
                continue
            }
            if existing != file.contents { differences.append(.stale(display(folder, file.path))) }
        }
        let expected = Set(files.map(\.path))
        for path in existingFiles(in: root) where !expected.contains(path) {
            differences.append(.unexpected(display(folder, path)))
        }
        return differences
    }

    private static func display(_ folder: String, _ path: String) -> String {
        (folder as NSString).appendingPathComponent(path)
    }

    /// Regular files under `root`, as relative paths, sorted.
    private static func existingFiles(in root: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var paths: [String] = []
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                paths.append(path)
            }
        }
        return paths.sorted()
    }

    /// A folder is ours to replace when it is empty or its `_headers` starts with our marker.
    private static func isOurs(_ folder: URL) -> Bool {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if contents.isEmpty { return true }
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(StaticHostHeaders.netlifyFile).path),
            let text = String(data: data, encoding: .utf8)
        else { return false }
        return text.hasPrefix(StaticHostHeaders.marker)
    }
}
