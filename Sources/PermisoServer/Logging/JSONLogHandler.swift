import Foundation
public import Logging
import PermisoCore
import Synchronization

/// `permiso serve --log-format json`: one JSON object per line on standard error, for log
/// pipelines that parse rather than read.
///
/// Each line has `time` (RFC 3339, UTC, milliseconds), `level`, `message` and every metadata
/// key at the top level (`hb.request.id`, `route`, `status`, `duration_ms` on request lines).
/// The handler writes only what Permiso logs, and Permiso never logs a token, code, secret,
/// password or cookie value (`RequestMiddleware`); a test greps a whole flow's log for them.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let output: @Sendable (String) -> Void

    /// - Parameter output: where each line goes; standard error unless a test collects them.
    public init(label: String, output: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var line = "{\"time\":" + Self.quoted(Timestamp.format(Date(), milliseconds: true))
        line += ",\"level\":" + Self.quoted(event.level.rawValue)
        line += ",\"label\":" + Self.quoted(label)
        line += ",\"message\":" + Self.quoted(event.message.description)
        for key in fields.keys.sorted() where !["time", "level", "label", "message"].contains(key) {
            line += "," + Self.quoted(key) + ":" + Self.json(fields[key]!)
        }
        output(line + "}\n")
    }

    private static let lock = Mutex(())

    /// One `write` per line under a lock, so lines from two threads never interleave. A line
    /// that cannot be written (a closed pipe, a full disk) is dropped: logging never stops
    /// the service.
    public static let standardError: @Sendable (String) -> Void = { line in
        lock.withLock { _ in try? FileHandle.standardError.write(contentsOf: Data(line.utf8)) }
    }

    static func json(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let value): quoted(value.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{" + values.keys.sorted().map { quoted($0) + ":" + json(values[$0]!) }.joined(separator: ",") + "}"
        }
    }

    /// RFC 8259 §7: quotation mark, reverse solidus and control characters escaped; the rest as UTF-8.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
