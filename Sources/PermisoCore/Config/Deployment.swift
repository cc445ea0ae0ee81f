public import Foundation

/// A config together with the keys it names, checked against each other.
///
/// This is what `permiso build`, `permiso check` and `permiso serve` start from; loading it
/// reports every problem in the config, the users file and the keys in one go.
public struct Deployment: Sendable {
    public var config: PermisoConfig
    public var keys: KeyRing

    public init(config: PermisoConfig, keys: KeyRing) {
        self.config = config
        self.keys = keys
    }

    /// Loads and checks everything. `requireSealing` adds the token service's need for an active sealing secret.
    public static func load(
        configFile: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        requireSealing: Bool = false
    ) throws(ConfigError) -> Deployment {
        var loader = ConfigLoader(file: configFile, environment: environment)
        let log = loader.log
        let config = loader.load()
        guard let config else {
            try log.throwIfAny()
            throw ConfigError([])  // unreachable: a nil config always logs why
        }
        let manifestFile = (config.keysDirectory as NSString).appendingPathComponent(KeyManifest.fileName)
        guard let keys = KeyRing.load(directory: config.keysDirectory, log: log) else {
            try log.throwIfAny()
            throw ConfigError([])
        }
        // OIDC Discovery §3: RS256 must be among the ID token algorithms.
        if keys.activeKey(for: .rs256) == nil {
            log.add(
                ConfigDiagnostic.file(
                    manifestFile,
                    field: "signing",
                    "no active RS256 key; OpenID Connect requires RS256 (run `permiso keys generate --alg RS256`)"
                )
            )
        }
        for (index, value) in loader.clientAlgorithmValues {
            let algorithm = config.clients[index].signingAlgorithm
            if keys.activeKey(for: algorithm) == nil {
                log.error(
                    "no active \(algorithm.rawValue) key in \(config.keysDirectory); run `permiso keys generate --alg \(algorithm.rawValue)`",
                    at: value
                )
            }
        }
        for (index, value) in loader.clientAccessAlgorithmValues {
            guard let algorithm = config.clients[index].accessTokenSigningAlgorithm, keys.activeKey(for: algorithm) == nil else {
                continue
            }
            log.error(
                "no active \(algorithm.rawValue) key in \(config.keysDirectory); run `permiso keys generate --alg \(algorithm.rawValue)`",
                at: value
            )
        }
        for (index, value) in loader.resourceAlgorithmValues {
            guard let algorithm = config.resources[index].signingAlgorithm, keys.activeKey(for: algorithm) == nil else { continue }
            log.error(
                "no active \(algorithm.rawValue) key in \(config.keysDirectory); run `permiso keys generate --alg \(algorithm.rawValue)`",
                at: value
            )
        }
        if requireSealing && keys.activeSealingSecret == nil {
            log.add(
                ConfigDiagnostic.file(manifestFile, field: "sealing", "no active sealing secret; run `permiso keys generate --sealing`")
            )
        }
        try log.throwIfAny()
        return Deployment(config: config, keys: keys)
    }
}

extension PermisoConfig {
    /// Loads the config alone, without its keys: for `permiso keys`, which may run before any key exists.
    public static func load(
        file: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> PermisoConfig {
        var loader = ConfigLoader(file: file, environment: environment)
        let config = loader.load()
        try loader.log.throwIfAny()
        return config!
    }
}

extension Deployment {
    /// Why the token service must not start with these keys, or `nil` when it may.
    ///
    /// The committed development keys are public, so anyone could sign tokens with them:
    /// they are accepted only while the issuer is a loopback URL that nothing outside this
    /// machine can trust.
    /// What an operator should hear at start: the memory store with an issuer others reach
    /// forgets, on every restart, the logouts, revoked refresh families, redeemed codes and
    /// throttle counts it holds (docs/SECURITY.md "What the design does not defend").
    public var stateWarning: String? {
        guard config.stateStore == .memory, !Loopback.isHost(config.issuer.host) else { return nil }
        return
            "stateStore is memory with the public issuer \(config.issuer.absoluteString): a restart forgets logouts, revoked refresh tokens and redeemed codes, and instances share nothing; use redis:// for production"
    }

    public var servingRefusal: String? {
        guard keys.manifest.development, !Loopback.isHost(config.issuer.host) else { return nil }
        return
            "refusing to serve \(config.issuer.absoluteString) with development keys (\(config.keysDirectory) is marked development: true); generate production keys with `permiso keys generate --keys DIR`"
    }
}
