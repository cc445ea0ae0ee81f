public import Foundation

/// `permiso keys`: plain file operations on a keys folder that any CI job can run.
///
/// Each operation loads the folder (so it never builds on a broken one), changes the
/// manifest in memory, writes new key files, then replaces the manifest atomically.
public struct KeyDirectory: Sendable {
    public var path: String

    public init(path: String) {
        self.path = path
    }

    /// What a rotation or generation did, one line per key, for the CLI to print.
    public typealias Report = [String]

    /// Adds a signing key: active if the algorithm has none yet, otherwise the next key.
    @discardableResult
    public func generate(
        _ algorithm: SigningAlgorithm,
        now: Date = Date(),
        development: Bool? = nil
    ) throws -> Report {
        var manifest = try existingManifest()
        if let development { manifest.development = development }
        let states = manifest.signing.filter { $0.algorithm == algorithm }.map(\.state)
        if states.contains(.next) {
            throw KeyOperationError(
                "\(algorithm.rawValue) already has a next key; run `permiso keys rotate` to promote it first"
            )
        }
        let state: KeyState = states.contains(.active) ? .next : .active
        let key = try SigningKey.generate(algorithm)
        let entry = try writeSigningKey(key, state: state, now: now)
        manifest.signing.append(entry)
        try write(manifest)
        return ["\(algorithm.rawValue) key \(key.kid) is \(state.rawValue) (\(entry.file))"]
    }

    /// Adds a sealing secret: active if there is none yet, otherwise the next one.
    @discardableResult
    public func generateSealingSecret(now: Date = Date(), development: Bool? = nil) throws -> Report {
        var manifest = try existingManifest()
        if let development { manifest.development = development }
        let states = manifest.sealing.map(\.state)
        if states.contains(.next) {
            throw KeyOperationError("there is already a next sealing secret; run `permiso keys rotate` to promote it first")
        }
        let state: KeyState = states.contains(.active) ? .next : .active
        let secret = SealingSecret.generate()
        let entry = try writeSealingSecret(secret, state: state, now: now)
        manifest.sealing.append(entry)
        try write(manifest)
        return ["sealing secret \(secret.id) is \(state.rawValue) (\(entry.file))"]
    }

    /// Timing a rotation needs from the deployment's config.
    public struct RotationPolicy: Sendable {
        /// How long a retired signing key stays published: the longest token it may have signed.
        public var signingRetention: Int
        /// How long a retired sealing secret still opens values: the longest sealed value's life.
        public var sealingRetention: Int
        /// How long a next key must have been published before it may sign: the JWKS cache time.
        public var minimumNextAge: Int

        public init(signingRetention: Int, sealingRetention: Int, minimumNextAge: Int) {
            self.signingRetention = signingRetention
            self.sealingRetention = sealingRetention
            self.minimumNextAge = minimumNextAge
        }

        public init(config: PermisoConfig) {
            let lifetimes = config.lifetimes
            self.init(
                signingRetention: lifetimes.longestSignedToken + config.site.jwksMaxAge,
                sealingRetention: max(lifetimes.refreshToken, lifetimes.session, lifetimes.deviceCode),
                minimumNextAge: config.site.jwksMaxAge
            )
        }
    }

    /// For each algorithm (or those given) and the sealing secrets: retire the active key,
    /// promote the next one, and pre-publish a fresh next one. Retired keys whose time has
    /// passed are removed.
    @discardableResult
    public func rotate(
        algorithms: [SigningAlgorithm]? = nil,
        sealing: Bool = true,
        policy: RotationPolicy,
        now: Date = Date(),
        force: Bool = false
    ) throws -> Report {
        var manifest = try existingManifest()
        var report: Report = []
        let targets = algorithms ?? SigningAlgorithm.allCases.filter { alg in manifest.signing.contains { $0.algorithm == alg } }
        for algorithm in targets {
            let label = "\(algorithm.rawValue) key"
            guard let next = manifest.signing.firstIndex(where: { $0.algorithm == algorithm && $0.state == .next }) else {
                throw KeyOperationError(
                    "\(algorithm.rawValue) has no next key to promote; run `permiso keys generate --alg \(algorithm.rawValue)`, publish the JWKS (`permiso build`), then rotate"
                )
            }
            try checkPublishedLongEnough(manifest.signing[next], label: label, policy: policy, now: now, force: force)
            if let active = manifest.signing.firstIndex(where: { $0.algorithm == algorithm && $0.state == .active }) {
                manifest.signing[active].state = .retired
                manifest.signing[active].keepUntil = now.addingTimeInterval(TimeInterval(policy.signingRetention))
                report.append(
                    "\(label) \(manifest.signing[active].file) retired, published until \(Timestamp.format(manifest.signing[active].keepUntil!))"
                )
            }
            manifest.signing[next].state = .active
            manifest.signing[next].activated = now
            report.append("\(label) \(manifest.signing[next].file) is active")
            let fresh = try SigningKey.generate(algorithm)
            let entry = try writeSigningKey(fresh, state: .next, now: now)
            manifest.signing.append(entry)
            report.append("\(label) \(fresh.kid) is next (\(entry.file))")
        }
        if sealing, !manifest.sealing.isEmpty {
            guard let next = manifest.sealing.firstIndex(where: { $0.state == .next }) else {
                throw KeyOperationError(
                    "there is no next sealing secret to promote; run `permiso keys generate --sealing`, deploy it to every instance, then rotate"
                )
            }
            try checkPublishedLongEnough(manifest.sealing[next], label: "sealing secret", policy: policy, now: now, force: force)
            if let active = manifest.sealing.firstIndex(where: { $0.state == .active }) {
                manifest.sealing[active].state = .retired
                manifest.sealing[active].keepUntil = now.addingTimeInterval(TimeInterval(policy.sealingRetention))
                report.append(
                    "sealing secret \(manifest.sealing[active].file) retired, accepted until \(Timestamp.format(manifest.sealing[active].keepUntil!))"
                )
            }
            manifest.sealing[next].state = .active
            manifest.sealing[next].activated = now
            report.append("sealing secret \(manifest.sealing[next].file) is active")
            let fresh = SealingSecret.generate()
            let entry = try writeSealingSecret(fresh, state: .next, now: now)
            manifest.sealing.append(entry)
            report.append("sealing secret \(fresh.id) is next (\(entry.file))")
        }
        report += prune(&manifest, now: now)
        try write(manifest)
        return report
    }

    /// The keys as rows for `permiso keys list`.
    public func list() throws -> [(kind: String, id: String, state: KeyState, file: String, created: Date, keepUntil: Date?)] {
        let ring = try KeyRing.load(directory: path)
        let signing = ring.signing.map {
            ($0.key.algorithm.rawValue, $0.key.kid, $0.entry.state, $0.entry.file, $0.entry.created, $0.entry.keepUntil)
        }
        let sealing = ring.sealing.map {
            ("sealing", $0.secret.id, $0.entry.state, $0.entry.file, $0.entry.created, $0.entry.keepUntil)
        }
        return signing + sealing
    }

    private func checkPublishedLongEnough(
        _ entry: KeyManifest.Entry,
        label: String,
        policy: RotationPolicy,
        now: Date,
        force: Bool
    ) throws {
        let age = now.timeIntervalSince(entry.created)
        guard force || age >= TimeInterval(policy.minimumNextAge) else {
            throw KeyOperationError(
                "the next \(label) \(entry.file) was made \(Int(age))s ago; caches may hold the old JWKS for \(policy.minimumNextAge)s (site.jwksMaxAge). Rotate later, or pass --force"
            )
        }
    }

    /// Drops retired keys whose time has passed, and deletes their files.
    private func prune(_ manifest: inout KeyManifest, now: Date) -> Report {
        var report: Report = []
        func expired(_ entry: KeyManifest.Entry) -> Bool {
            entry.state == .retired && (entry.keepUntil.map { $0 <= now } ?? false)
        }
        for entry in (manifest.signing + manifest.sealing).filter(expired) {
            try? FileManager.default.removeItem(atPath: file(entry.file))
            report.append("removed \(entry.file): retired until \(Timestamp.format(entry.keepUntil!))")
        }
        manifest.signing.removeAll(where: expired)
        manifest.sealing.removeAll(where: expired)
        return report
    }

    /// The current manifest (checked by loading every key), or an empty one for a new folder.
    private func existingManifest() throws -> KeyManifest {
        let manifestPath = file(KeyManifest.fileName)
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return KeyManifest()
        }
        return try KeyRing.load(directory: path).manifest
    }

    private func writeSigningKey(_ key: SigningKey, state: KeyState, now: Date) throws -> KeyManifest.Entry {
        let name = "\(key.algorithm.fileStem)-\(key.kid.prefix(8)).pem"
        try writeSecretFile(name, contents: key.pkcs8PEM)
        return KeyManifest.Entry(file: name, algorithm: key.algorithm, state: state, created: now, activated: state == .active ? now : nil)
    }

    private func writeSealingSecret(_ secret: SealingSecret, state: KeyState, now: Date) throws -> KeyManifest.Entry {
        let name = "sealing-\(secret.id).key"
        try writeSecretFile(name, contents: secret.fileContents)
        return KeyManifest.Entry(file: name, algorithm: nil, state: state, created: now, activated: state == .active ? now : nil)
    }

    /// Private key material is readable by its owner only.
    private func writeSecretFile(_ name: String, contents: String) throws {
        let target = file(name)
        guard !FileManager.default.fileExists(atPath: target) else {
            throw KeyOperationError("\(target) already exists")
        }
        guard FileManager.default.createFile(atPath: target, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw KeyOperationError("cannot write \(target)")
        }
    }

    private func write(_ manifest: KeyManifest) throws {
        try Data(manifest.yaml().utf8).write(to: URL(fileURLWithPath: file(KeyManifest.fileName)), options: .atomic)
    }

    private func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }
}

/// A `permiso keys` operation that cannot go ahead, and why.
public struct KeyOperationError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
