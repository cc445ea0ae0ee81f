/// Where in which file a config value sits, and what is wrong with it.
///
/// Rendered the way compilers do (`file:line:column: field: message`) so editors and CI logs
/// can jump to it; one run collects all of them rather than stopping at the first.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The field path, as `clients[0].redirectURIs[1]`; empty for the document itself.
    public var field: String
    public var message: String

    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// A problem with a whole file (unreadable, empty, not UTF-8), reported at its start.
    public static func file(_ file: String, field: String = "", _ message: String) -> ConfigDiagnostic {
        ConfigDiagnostic(file: file, line: 1, column: 1, field: field, message: message)
    }

    public var description: String {
        let location = "\(file):\(line):\(column)"
        return field.isEmpty ? "\(location): error: \(message)" : "\(location): error: \(field): \(message)"
    }
}

/// Every problem one load found, in file order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(_ diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Collects diagnostics while a file is read, so one run can report them all.
final class DiagnosticLog {
    private(set) var diagnostics: [ConfigDiagnostic] = []

    func add(_ diagnostic: ConfigDiagnostic) {
        diagnostics.append(diagnostic)
    }

    func error(_ message: String, at value: YAMLValue) {
        add(
            ConfigDiagnostic(
                file: value.file,
                line: value.line,
                column: value.column,
                field: value.path.description,
                message: message
            )
        )
    }

    var isEmpty: Bool { diagnostics.isEmpty }

    /// Throws everything collected so far, sorted by file and position.
    func throwIfAny() throws(ConfigError) {
        guard !diagnostics.isEmpty else { return }
        let sorted = diagnostics.enumerated().sorted { a, b in
            (a.element.file, a.element.line, a.element.column, a.offset)
                < (b.element.file, b.element.line, b.element.column, b.offset)
        }.map(\.element)
        throw ConfigError(sorted)
    }
}
