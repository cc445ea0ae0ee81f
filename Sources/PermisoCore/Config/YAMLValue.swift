internal import Foundation
internal import Yams

/// A YAML node together with the file and field path it came from.
///
/// Every accessor reports a wrong shape to the `DiagnosticLog` and returns `nil`, so the
/// loader keeps going and one run reports every problem in the file.
struct YAMLValue {
    let node: Node
    let file: String
    let path: ConfigPath
    /// Where the parent put this value; used when the node itself has no mark.
    let fallbackMark: (line: Int, column: Int)

    init(node: Node, file: String, path: ConfigPath, fallbackMark: (line: Int, column: Int) = (1, 1)) {
        self.node = node
        self.file = file
        self.path = path
        self.fallbackMark = fallbackMark
    }

    var line: Int { node.mark?.line ?? fallbackMark.line }
    var column: Int { node.mark?.column ?? fallbackMark.column }

    var isNull: Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a value's shape reads in an error message.
    var shapeDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "nothing" }
            return "\"\(scalar.string)\""
        }
    }

    private func child(_ node: Node, _ path: ConfigPath) -> YAMLValue {
        YAMLValue(node: node, file: file, path: path, fallbackMark: (line, column))
    }

    func string(_ log: DiagnosticLog) -> String? {
        guard case .scalar(let scalar) = node, !isNull else {
            log.error("expected text, got \(shapeDescription)", at: self)
            return nil
        }
        return scalar.string
    }

    /// A non-empty string, reported as missing when blank.
    func nonEmptyString(_ log: DiagnosticLog) -> String? {
        guard let text = string(log) else { return nil }
        if text.allSatisfy(\.isWhitespace) {
            log.error("expected non-empty text", at: self)
            return nil
        }
        return text
    }

    func bool(_ log: DiagnosticLog) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            if scalar.string == "true" { return true }
            if scalar.string == "false" { return false }
        }
        log.error("expected true or false, got \(shapeDescription)", at: self)
        return nil
    }

    func integer(_ log: DiagnosticLog) -> Int? {
        if case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string) {
            return value
        }
        log.error("expected a whole number, got \(shapeDescription)", at: self)
        return nil
    }

    /// A duration in seconds: `90s`, `10m`, `12h`, `30d` or a plain number.
    func duration(_ log: DiagnosticLog) -> Int? {
        if case .scalar(let scalar) = node, !isNull, let seconds = DurationText.seconds(from: scalar.string) {
            return seconds
        }
        log.error("expected a duration such as 90s, 10m, 12h or 30d, got \(shapeDescription)", at: self)
        return nil
    }

    /// One of a fixed set of words.
    func oneOf(_ allowed: [String], _ log: DiagnosticLog) -> String? {
        if case .scalar(let scalar) = node, !isNull, allowed.contains(scalar.string) {
            return scalar.string
        }
        log.error("expected one of \(allowed.joined(separator: ", ")), got \(shapeDescription)", at: self)
        return nil
    }

    func list(_ log: DiagnosticLog) -> [YAMLValue]? {
        guard case .sequence(let sequence) = node else {
            log.error("expected a list, got \(shapeDescription)", at: self)
            return nil
        }
        return sequence.enumerated().map { index, item in child(item, path.appending(index)) }
    }

    /// A mapping with free-form keys, in file order.
    func entries(_ log: DiagnosticLog) -> [(key: String, value: YAMLValue)]? {
        guard case .mapping(let mapping) = node else {
            log.error("expected a mapping, got \(shapeDescription)", at: self)
            return nil
        }
        var result: [(key: String, value: YAMLValue)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let key) = keyNode else {
                log.error("expected a text key, got a \(keyNode.mapping == nil ? "list" : "mapping")", at: child(keyNode, path))
                continue
            }
            result.append((key.string, child(valueNode, path.appending(key.string))))
        }
        return result
    }

    /// A mapping whose keys must be those of `spec`: unknown keys and missing required keys are errors.
    func object(_ spec: ObjectSpec, _ log: DiagnosticLog) -> YAMLObject? {
        guard let entries = entries(log) else { return nil }
        var fields: [String: YAMLValue] = [:]
        for (key, value) in entries {
            guard spec.field(key) != nil else {
                var message = "unknown key \"\(key)\" in \(spec.title.lowercased())"
                if let suggestion = Self.closest(to: key, in: spec.keys) {
                    message += "; did you mean \"\(suggestion)\"?"
                } else {
                    message += "; expected one of \(spec.keys.joined(separator: ", "))"
                }
                log.add(
                    ConfigDiagnostic(
                        file: file,
                        line: value.keyLine(in: node, key: key) ?? value.line,
                        column: value.keyColumn(in: node, key: key) ?? value.column,
                        field: value.path.description,
                        message: message
                    )
                )
                continue
            }
            if value.isNull { continue }
            fields[key] = value
        }
        for field in spec.fields where field.required && fields[field.key] == nil {
            log.error("missing required key \"\(field.key)\" (\(field.summary))", at: self)
        }
        return YAMLObject(value: self, fields: fields)
    }

    /// A value of any JSON shape, for user claims.
    func json(_ log: DiagnosticLog) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            if isNull { return .null }
            guard scalar.style == .plain else { return .string(scalar.string) }
            if scalar.string == "true" { return .bool(true) }
            if scalar.string == "false" { return .bool(false) }
            if let int = Int(scalar.string) { return .int(int) }
            if scalar.string.utf8.contains(UInt8(ascii: ".")), let double = Double(scalar.string) { return .double(double) }
            return .string(scalar.string)
        case .sequence:
            guard let items = list(log) else { return nil }
            let values = items.compactMap { $0.json(log) }
            return values.count == items.count ? .array(values) : nil
        case .mapping:
            guard let entries = entries(log) else { return nil }
            var object: [String: JSONValue] = [:]
            for (key, value) in entries {
                guard let json = value.json(log) else { return nil }
                object[key] = json
            }
            return .object(object)
        case .alias:
            log.error("aliases are not supported here", at: self)
            return nil
        }
    }

    private func keyLine(in mapping: Node, key: String) -> Int? {
        keyMark(in: mapping, key: key)?.line
    }

    private func keyColumn(in mapping: Node, key: String) -> Int? {
        keyMark(in: mapping, key: key)?.column
    }

    private func keyMark(in mapping: Node, key: String) -> Mark? {
        guard case .mapping(let pairs) = mapping else { return nil }
        return pairs.first { $0.key.string == key }?.key.mark
    }

    /// The known key a typo most likely meant: same letters ignoring case, or at most two edits away.
    static func closest(to key: String, in candidates: [String]) -> String? {
        if let match = candidates.first(where: { $0.lowercased() == key.lowercased() }) { return match }
        let scored = candidates.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A mapping checked against its `ObjectSpec`; absent and null keys read as `nil`.
struct YAMLObject {
    let value: YAMLValue
    let fields: [String: YAMLValue]

    subscript(key: String) -> YAMLValue? { fields[key] }
}
