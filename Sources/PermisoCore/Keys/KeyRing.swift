internal import Foundation

/// The keys of one deployment, loaded from its keys folder and checked against each other.
public struct KeyRing: Sendable {
    public struct Signing: Sendable {
        public var entry: KeyManifest.Entry
        public var key: SigningKey
    }

    public struct Sealing: Sendable {
        public var entry: KeyManifest.Entry
        public var secret: SealingSecret
    }

    public var manifest: KeyManifest
    public var signing: [Signing]
    public var sealing: [Sealing]

    /// The key that signs with `algorithm` now.
    public func activeKey(for algorithm: SigningAlgorithm) -> SigningKey? {
        signing.first { $0.entry.state == .active && $0.key.algorithm == algorithm }?.key
    }

    /// Algorithms that have an active key, in a fixed order.
    public var activeAlgorithms: [SigningAlgorithm] {
        SigningAlgorithm.allCases.filter { activeKey(for: $0) != nil }
    }

    /// The secret new values are sealed with.
    public var activeSealingSecret: SealingSecret? {
        sealing.first { $0.entry.state == .active }?.secret
    }

    /// The public JWKS: next, active and retired keys, so caches learn a key before it signs
    /// and keep it until its tokens expire. Sorted by state, algorithm and kid, so the same
    /// keys always give the same bytes.
    public var publicKeySet: JSONWebKeySet {
        let ordered = signing.sorted {
            ($0.entry.state, $0.key.algorithm, $0.key.kid) < ($1.entry.state, $1.key.algorithm, $1.key.kid)
        }
        return JSONWebKeySet(keys: ordered.map(\.key.publicJWK))
    }

    /// Loads `manifest.yaml` and every file it names from `directory`; all problems are reported together.
    public static func load(directory: String) throws(ConfigError) -> KeyRing {
        let log = DiagnosticLog()
        let ring = load(directory: directory, log: log)
        try log.throwIfAny()
        return ring!
    }

    static func load(directory: String, log: DiagnosticLog) -> KeyRing? {
        let manifestPath = (directory as NSString).appendingPathComponent(KeyManifest.fileName)
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            log.add(
                ConfigDiagnostic.file(manifestPath, "no keys manifest; run `permiso keys generate --alg RS256` (or `permiso init`) to make one")
            )
            return nil
        }
        guard let text = readText(manifestPath, log: log),
            let parsed = KeyManifest.parse(text: text, file: manifestPath, log: log)
        else { return nil }
        var ring = KeyRing(manifest: parsed.manifest, signing: [], sealing: [])
        var kids: [String: YAMLValue] = [:]
        for (entry, value) in zip(parsed.manifest.signing, parsed.signing) {
            guard let algorithm = entry.algorithm,
                let pem = readKeyFile(directory, entry, value: value, log: log)
            else { continue }
            do {
                let key = try SigningKey.load(pem: pem, algorithm: algorithm)
                if let first = kids[key.kid] {
                    log.error("the same key as \(first.path) (kid \(key.kid)); each entry needs its own key", at: value)
                    continue
                }
                kids[key.kid] = value
                ring.signing.append(Signing(entry: entry, key: key))
            } catch {
                log.error("\(entry.file): \(error)", at: value)
            }
        }
        for (entry, value) in zip(parsed.manifest.sealing, parsed.sealing) {
            guard let text = readKeyFile(directory, entry, value: value, log: log) else { continue }
            do {
                ring.sealing.append(Sealing(entry: entry, secret: try SealingSecret.load(text: text)))
            } catch {
                log.error("\(entry.file): \(error)", at: value)
            }
        }
        checkStates(parsed.manifest.signing, parsed.signing, group: { $0.algorithm?.rawValue ?? "" }, log: log)
        checkStates(parsed.manifest.sealing, parsed.sealing, group: { _ in "sealing" }, log: log)
        return ring
    }

    /// At most one active and one next key per algorithm (one of each for sealing).
    private static func checkStates(
        _ entries: [KeyManifest.Entry],
        _ values: [YAMLValue],
        group: (KeyManifest.Entry) -> String,
        log: DiagnosticLog
    ) {
        var seen: Set<String> = []
        for (entry, value) in zip(entries, values) where entry.state != .retired {
            let name = group(entry)
            let slot = "\(name)/\(entry.state.rawValue)"
            if !seen.insert(slot).inserted {
                let what = name == "sealing" ? "sealing secret" : "\(name) key"
                log.error("a second \(entry.state.rawValue) \(what); there can be only one", at: value)
            }
        }
    }

    private static func readKeyFile(
        _ directory: String,
        _ entry: KeyManifest.Entry,
        value: YAMLValue,
        log: DiagnosticLog
    ) -> String? {
        let path = (directory as NSString).appendingPathComponent(entry.file)
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            log.error("cannot read \(path): \(FileProblem.describe(error))", at: value)
            return nil
        }
    }

    private static func readText(_ path: String, log: DiagnosticLog) -> String? {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            log.add(
                ConfigDiagnostic.file(path, "cannot read the file: \(FileProblem.describe(error))")
            )
            return nil
        }
    }
}
