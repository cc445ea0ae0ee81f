public import Foundation
public import Logging
import NIOPosix
public import PermisoCore
import PermisoRedis
import Synchronization

#if canImport(CMalloc)
import CMalloc
#endif

/// The deployment the server answers with now, replaced whole on reload.
///
/// Requests read one immutable snapshot, so a reload in the middle of a flow never mixes
/// the old config with the new keys. A reload that fails keeps the old snapshot serving.
public final class LiveDeployment: Sendable {
    /// Everything a request needs, prepared once per load rather than per request.
    ///
    /// A class, so handing the current snapshot to a request is one reference count, not a
    /// copy of the whole config.
    public final class Snapshot: Sendable {
        public let deployment: Deployment
        /// The discovery documents and JWKS, byte-identical to `permiso build`'s.
        public let documents: [String: PublishedDocument]
        /// The same documents as ready responses: headers and body built once.
        let responses: [String: PreparedResponse]
        public let sealer: Sealer
        public let signer: TokenSigner
        public let tokenIssuer: TokenIssuer
        /// The authorization code flow's decisions against this deployment.
        public let authorizationFlow: AuthorizationFlow
        /// What sign-in checks an unknown username against (`PasswordSignIn.decoyHash(for:)`).
        let signInDecoy: String
        /// What Core's flows take: this deployment with the process's shared state. Made once
        /// here, so a request carries one reference to the snapshot, not a copy of the config.
        public let flows: FlowContext

        init(_ loaded: Loaded, state: ProtocolState) {
            self.deployment = loaded.deployment
            // The loader refuses two documents at one path; the first would win if it did not.
            self.documents = Dictionary(loaded.documents.map { ($0.urlPath, $0) }) { first, _ in first }
            self.responses = Dictionary(loaded.documents.map { ($0.urlPath, PreparedResponse($0)) }) { first, _ in first }
            self.sealer = loaded.sealer
            self.signer = loaded.signer
            self.tokenIssuer = TokenIssuer(deployment: loaded.deployment, signer: loaded.signer, sealer: loaded.sealer)
            self.authorizationFlow = AuthorizationFlow(deployment: loaded.deployment, sealer: loaded.sealer)
            self.signInDecoy = loaded.signInDecoy
            self.flows = FlowContext(issuer: tokenIssuer, state: state)
        }
    }

    /// A config and keys loaded and checked, before they are paired with the shared state.
    struct Loaded: Sendable {
        var deployment: Deployment
        var documents: [PublishedDocument]
        var sealer: Sealer
        var signer: TokenSigner
        var signInDecoy: String
    }

    public let configFile: String
    /// Lives across reloads: it caches verified client secrets by their hash.
    public let authenticator: ClientAuthenticator
    /// Checks user passwords and client secrets off the event loops.
    let passwordVerifier: any PasswordVerifier = ThreadPoolPasswordVerifier()
    public let clock: any WallClock
    /// The ephemeral state: single-use codes, rotated refresh tokens, ended sessions,
    /// device grants and throttles, by their named operations.
    public let state: ProtocolState
    /// The Redis store behind `state`, when the config names one: for `preflight`.
    private let redis: RedisStateStore?
    /// Where the store behind `state` lives; a reload that names another is logged, not applied.
    private let storeLocation: StateStoreLocation
    private let environment: [String: String]
    private let current: Mutex<Snapshot>
    /// Whether the last reload failed, so the instance serves an older config than its file.
    private let staleConfig = Atomic<Bool>(false)

    /// `true` after a reload that failed, until one succeeds (`/readyz` reports it).
    public var servesStaleConfig: Bool { staleConfig.load(ordering: .relaxed) }
    /// Tells relying parties when a session they signed in with ends.
    let logoutDelivery: BackchannelDelivery

    /// Loads the config and keys; throws what `permiso check` would report, or why the keys may not serve.
    ///
    /// - Parameter store: overrides the config's `stateStore` (tests inject one).
    public init(
        configFile: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        clock: any WallClock = SystemWallClock(),
        store: (any StateStore)? = nil,
        logoutDelivery: BackchannelDelivery.Policy = .init(),
        metered: Bool = false,
        traced: Bool = false,
        logger: Logger = Logger(label: "permiso")
    ) async throws {
        self.configFile = configFile
        self.logoutDelivery = BackchannelDelivery(policy: logoutDelivery, logger: logger)
        self.authenticator = ClientAuthenticator(verifier: passwordVerifier)
        self.environment = environment
        self.clock = clock
        let loaded = try await Self.load(configFile, environment: environment)
        self.storeLocation = loaded.deployment.config.stateStore
        let backend = try store ?? Self.makeStore(storeLocation, clock: clock, logger: logger)
        self.redis = backend as? RedisStateStore
        // With metrics on, every store operation's latency and failures are recorded; with
        // tracing on, each is a span. Off, the store is called directly.
        var store = metered ? MeteredStateStore(inner: backend) : backend
        if traced { store = TracedStateStore(inner: store, system: backend is RedisStateStore ? "redis" : "memory") }
        self.state = ProtocolState(store: store)
        self.current = Mutex(Snapshot(loaded, state: state))
    }

    /// The store the config names. One per process, kept across reloads: its connections
    /// and the memory store's entries must outlive a config change. `permiso revoke` opens
    /// the same shared store this way.
    public static func makeStore(
        _ location: StateStoreLocation,
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "permiso")
    ) throws -> any StateStore {
        switch location {
        case .memory:
            return MemoryStateStore(clock: clock)
        case .redis(let endpoint):
            do {
                return try RedisStateStore(endpoint: endpoint, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
            } catch {
                throw ServeRefusal(description: "stateStore: the TLS settings cannot be used: \(error)")
            }
        }
    }

    /// Connects to the shared store now. Throws `ServeRefusal` when it is a Redis that may
    /// evict keys (an evicted single-use marker or denial would silently undo it), or when no
    /// sentinel of a `redis+sentinel://` URL names the master; any other
    /// problem is returned, for a warning: the store may come up later, and until then the
    /// operations that need it fail closed. A Redis without persistence is a warning too, as
    /// is one with fewer replicas than `stateStoreReplication` needs; one that refuses `WAIT`
    /// under that setting is refused.
    public func preflight() async throws -> [String] {
        guard let redis else { return [] }
        do {
            return try await redis.preflight().map { "stateStore: \($0)" }
        } catch {
            switch error as? RedisError {
            case .evictionPolicy?, .noSentinel?, .waitRefused?:
                throw ServeRefusal(description: "stateStore: \(error)")
            default:
                return ["stateStore cannot be reached yet (\(error)); operations that need it answer temporarily_unavailable until it can"]
            }
        }
    }

    public var snapshot: Snapshot {
        current.withLock { $0 }
    }

    /// Loads the config and keys again. On any problem the old snapshot keeps serving and the problem is logged.
    @discardableResult
    public func reload(logger: Logger) async -> Bool {
        do {
            let fresh = Snapshot(try await Self.load(configFile, environment: environment), state: state)
            current.withLock { $0 = fresh }
            staleConfig.store(false, ordering: .relaxed)
            ServiceMetrics.reload(succeeded: true)
            if fresh.deployment.config.stateStore != storeLocation {
                logger.warning("stateStore changed; the running store stays until a restart")
            }
            logger.info(
                "reloaded configuration",
                metadata: [
                    "config": .string(configFile), "clients": .stringConvertible(fresh.deployment.config.clients.count),
                    "signingKeys": .stringConvertible(fresh.deployment.keys.signing.count),
                ]
            )
            return true
        } catch {
            staleConfig.store(true, ordering: .relaxed)
            ServiceMetrics.reload(succeeded: false)
            logger.error(
                "reload failed; still serving the previous configuration",
                metadata: ["config": .string(configFile), "problem": .string("\(error)")]
            )
            return false
        }
    }

    /// Reading and checking a config takes milliseconds for the example and about ten seconds
    /// for 100,000 clients and users; on NIO's thread pool a SIGHUP reload never stalls the
    /// event loops that are serving requests meanwhile.
    static func load(_ configFile: String, environment: [String: String]) async throws -> Loaded {
        let (deployment, documents, decoy) = try await NIOThreadPool.singleton.runIfActive {
            let deployment = try Deployment.load(configFile: configFile, environment: environment, requireSealing: true)
            let documents = try SiteBuilder.documents(for: deployment)
            // One hash at the users' cost: tens to hundreds of milliseconds, off the event loops.
            let decoy = PasswordSignIn.decoyHash(for: deployment.config.users)
            #if canImport(CMalloc)
            // Parsing leaves the YAML's node tree freed but kept by malloc; giving it back took
            // a config of 100,000 clients and users from 565 to 516 MiB after loading.
            malloc_trim(0)
            #endif
            return (deployment, documents, decoy)
        }
        if let refusal = deployment.servingRefusal { throw ServeRefusal(description: refusal) }
        guard let sealer = Sealer(keys: deployment.keys, issuer: deployment.config.issuer.absoluteString) else {
            throw ServeRefusal(description: "no active sealing secret")
        }
        let signer = try await TokenSigner(keys: deployment.keys, issuer: deployment.config.issuer.absoluteString)
        return Loaded(deployment: deployment, documents: documents, sealer: sealer, signer: signer, signInDecoy: decoy)
    }
}

/// The token service will not start (or reload) with this deployment.
public struct ServeRefusal: Error, CustomStringConvertible {
    public var description: String
}
