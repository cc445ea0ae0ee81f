internal import Foundation
internal import Yams

/// Turns YAML text into a `YAMLValue`, reporting syntax errors at their line and column.
enum YAMLDocument {
    static func parse(_ text: String, file: String, log: DiagnosticLog) -> YAMLValue? {
        do {
            // The basic resolver tags every scalar as text: the loader reads types itself, and
            // skipping Yams' per-scalar regular expressions makes large configs load faster.
            guard let node = try Yams.compose(yaml: text, .basic) else {
                log.add(ConfigDiagnostic.file(file, "the file is empty"))
                return nil
            }
            return YAMLValue(node: node, file: file, path: ConfigPath())
        } catch let error as YamlError {
            log.add(diagnostic(for: error, file: file))
            return nil
        } catch {
            log.add(ConfigDiagnostic.file(file, "invalid YAML: \(error)"))
            return nil
        }
    }

    /// Reads a whole file as UTF-8 and parses it.
    static func load(path: String, displayName: String, log: DiagnosticLog) -> YAMLValue? {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            log.add(
                ConfigDiagnostic.file(displayName, "cannot read the file: \(FileProblem.describe(error))")
            )
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            log.add(
                ConfigDiagnostic.file(displayName, "the file is not UTF-8 text")
            )
            return nil
        }
        return parse(text, file: displayName, log: log)
    }

    private static func diagnostic(for error: YamlError, file: String) -> ConfigDiagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text))" }
            return ConfigDiagnostic(file: file, line: mark.line, column: mark.column, field: "", message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return ConfigDiagnostic(
                file: file,
                line: context.mark.line,
                column: context.mark.column,
                field: "",
                message: "duplicate key \(keys) in one mapping"
            )
        case .reader(let problem, _, _, _):
            return ConfigDiagnostic.file(file, "invalid text: \(problem)")
        default:
            return ConfigDiagnostic.file(file, "invalid YAML: \(error)")
        }
    }
}
