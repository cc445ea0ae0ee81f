public import Foundation
internal import Yams

/// `keys/manifest.yaml`: which file holds which key and where each key is in its life.
///
/// Kids are not written here: they are RFC 7638 thumbprints, derived from the key files.
public struct KeyManifest: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var file: String
        /// `nil` for sealing secrets.
        public var algorithm: SigningAlgorithm?
        public var state: KeyState
        public var created: Date
        /// When it became active: a next key waits, often a whole rotation period, before it
        /// signs or seals, so its age says nothing about when to rotate it. `nil` in a
        /// manifest written before it was recorded: `created` stands in.
        public var activated: Date?
        /// Retired keys: published (signing) or accepted (sealing) until then.
        public var keepUntil: Date?

        public init(
            file: String,
            algorithm: SigningAlgorithm?,
            state: KeyState,
            created: Date,
            activated: Date? = nil,
            keepUntil: Date? = nil
        ) {
            self.file = file
            self.algorithm = algorithm
            self.state = state
            self.created = created
            self.activated = activated
            self.keepUntil = keepUntil
        }

        /// When an active key should be replaced (`permiso keys rotate`) under a rotation
        /// period of `lifetime` seconds (`lifetimes.activeKey`).
        public func rotationDue(lifetime: Int) -> Date {
            (activated ?? created).addingTimeInterval(TimeInterval(lifetime))
        }
    }

    public static let fileName = "manifest.yaml"

    /// Development keys are committed to the repository; `permiso serve` refuses them unless
    /// the issuer is a loopback URL.
    public var development: Bool
    public var signing: [Entry]
    public var sealing: [Entry]

    public init(development: Bool = false, signing: [Entry] = [], sealing: [Entry] = []) {
        self.development = development
        self.signing = signing
        self.sealing = sealing
    }

    static let entrySpec = ObjectSpec(
        title: "Key",
        summary: "One key file and its state.",
        fields: [
            FieldSpec("file", .string(), required: true, "The key file, in the keys folder."),
            FieldSpec(
                "algorithm",
                .enumeration(SigningAlgorithm.allCases.map(\.rawValue)),
                "Signing keys: the JWS algorithm."
            ),
            FieldSpec("state", .enumeration(KeyState.allCases.map(\.rawValue)), required: true, "next, active or retired."),
            FieldSpec("created", .string(), required: true, "When the key was made (RFC 3339)."),
            FieldSpec("activated", .string(), "When the key became active (RFC 3339)."),
            FieldSpec("keepUntil", .string(), "Retired keys: published or accepted until then (RFC 3339)."),
        ]
    )

    static let spec = ObjectSpec(
        title: "Keys manifest",
        summary: "Signing keys and sealing secrets.",
        fields: [
            FieldSpec("development", .boolean, default: false, "These are development keys."),
            FieldSpec("signing", .list(.object(entrySpec)), default: [], "Signing keys."),
            FieldSpec("sealing", .list(.object(entrySpec)), default: [], "Sealing secrets."),
        ]
    )

    /// Reads the manifest; problems are logged with their positions. Returns the entries with their YAML values.
    static func parse(
        text: String,
        file: String,
        log: DiagnosticLog
    ) -> (manifest: KeyManifest, signing: [YAMLValue], sealing: [YAMLValue])? {
        guard let root = YAMLDocument.parse(text, file: file, log: log) else { return nil }
        guard let object = root.object(spec, log) else { return nil }
        var manifest = KeyManifest()
        manifest.development = object["development"]?.bool(log) ?? false
        var values: (signing: [YAMLValue], sealing: [YAMLValue]) = ([], [])
        for list in ["signing", "sealing"] {
            for item in object[list]?.list(log) ?? [] {
                guard let entryObject = item.object(entrySpec, log),
                    let entry = parseEntry(entryObject, signing: list == "signing", log: log)
                else { continue }
                if list == "signing" {
                    manifest.signing.append(entry)
                    values.signing.append(item)
                } else {
                    manifest.sealing.append(entry)
                    values.sealing.append(item)
                }
            }
        }
        return (manifest, values.signing, values.sealing)
    }

    private static func parseEntry(_ object: YAMLObject, signing: Bool, log: DiagnosticLog) -> Entry? {
        let file = object["file"]?.nonEmptyString(log)
        if let file, file.contains("/") {
            log.error("expected a file name inside the keys folder, got \"\(file)\"", at: object["file"]!)
        }
        var algorithm: SigningAlgorithm?
        if signing {
            if let value = object["algorithm"] {
                algorithm = value.oneOf(SigningAlgorithm.allCases.map(\.rawValue), log).flatMap(SigningAlgorithm.init)
            } else {
                log.error("missing required key \"algorithm\" for a signing key", at: object.value)
            }
        } else if let value = object["algorithm"] {
            log.error("sealing secrets have no algorithm (they are always AES-256-GCM)", at: value)
        }
        let state = object["state"]?.oneOf(KeyState.allCases.map(\.rawValue), log).flatMap(KeyState.init)
        let created = object["created"].flatMap { date($0, log) }
        let activated = object["activated"].flatMap { date($0, log) }
        let keepUntil = object["keepUntil"].flatMap { date($0, log) }
        if state == .retired && object["keepUntil"] == nil {
            log.error("a retired key needs keepUntil: the time until which it stays published", at: object.value)
        }
        guard let file, let state, let created, !signing || algorithm != nil else { return nil }
        return Entry(file: file, algorithm: algorithm, state: state, created: created, activated: activated, keepUntil: keepUntil)
    }

    private static func date(_ value: YAMLValue, _ log: DiagnosticLog) -> Date? {
        guard let text = value.string(log) else { return nil }
        guard let date = Timestamp.parse(text) else {
            log.error("expected an RFC 3339 time such as 2026-01-31T12:00:00Z, got \"\(text)\"", at: value)
            return nil
        }
        return date
    }

    /// The manifest as YAML: stable order, so a rotation's diff shows only what moved.
    public func yaml() -> String {
        var lines = [
            "# Permiso keys: which key is next, active or retired. Kept by `permiso keys`.",
            "# Kids are RFC 7638 thumbprints derived from the key files, so none is written here.",
            "development: \(development)",
        ]
        for (name, entries) in [("signing", signing), ("sealing", sealing)] {
            guard !entries.isEmpty else {
                lines.append("\(name): []")
                continue
            }
            lines.append("\(name):")
            for entry in entries {
                lines.append("  - file: \(entry.file)")
                if let algorithm = entry.algorithm { lines.append("    algorithm: \(algorithm.rawValue)") }
                lines.append("    state: \(entry.state.rawValue)")
                lines.append("    created: \(Timestamp.format(entry.created))")
                if let activated = entry.activated { lines.append("    activated: \(Timestamp.format(activated))") }
                if let keepUntil = entry.keepUntil { lines.append("    keepUntil: \(Timestamp.format(keepUntil))") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
