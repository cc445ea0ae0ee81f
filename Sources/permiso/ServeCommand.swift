import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import OTel
import PermisoCore
import PermisoServer
import Prometheus
import ServiceLifecycle
import Tracing

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the token service.",
        discussion: """
            Loads config and keys once; SIGHUP reloads them (an invalid new config is logged and the old one keeps
            serving); SIGTERM or SIGINT stop it after in-flight requests finish.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; defaults to the service URL's port, else 8080.")
    var port: Int?

    @Option(
        name: .customLong("trusted-proxy"),
        help: "A load balancer's IP address or CIDR block (10.0.0.0/8) whose X-Forwarded-For names the client, for throttling. Repeatable."
    )
    var trustedProxies: [String] = []

    @Option(help: "Seconds a request may take to arrive whole, and a connection may stay idle; slower clients are disconnected.")
    var requestTimeout = 30

    @Option(help: "Connections open at once; more are closed as they open.")
    var maxConnections = 10_000

    @Option(help: "How much to log: error, warning, info, or debug (one line per request: method, route, status, duration, request id).")
    var logLevel: LogLevel = .info

    @Option(help: "text, or json: one JSON object per line (time, level, message and each field), for log pipelines.")
    var logFormat: LogFormat = .text

    @Option(help: "HOST:PORT to serve Prometheus metrics at /metrics on, apart from the public port; off unless given.")
    var metricsAddress: String?

    @Flag(
        help: """
            Export OpenTelemetry spans over OTLP/HTTP: a span per request, and inside it signing, sealing, password \
            hashing and state-store calls. OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318), \
            OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER and OTEL_SERVICE_NAME configure it. Off by default.
            """
    )
    var tracing = false

    /// Unset, or one of tzdata's names for UTC (with POSIX's optional leading ":").
    static func namesUTC(_ zone: String?) -> Bool {
        guard var zone else { return true }
        if zone.hasPrefix(":") { zone.removeFirst() }
        if zone.hasPrefix("Etc/") { zone.removeFirst(4) }
        return ["", "UTC", "UTC0", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Universal", "Zulu", "Greenwich"].contains(zone)
    }

    func run() async throws {
        // Every time Permiso reads or writes is UTC, and so is the process's zone unless the
        // operator names another in TZ. A named zone, `UTC` and `Etc/UTC` included, is ICU's in
        // Foundation on Linux: the first `Calendar` (Hummingbird's `Date` header has one) would
        // map ICU's code and data into every instance (docs/operations.md "Memory"); `GMT` is
        // Foundation's own. Set first, before any thread reads the environment.
        // (`NSTimeZone.default` would not do: it traps in a root without tzdata.)
        if Self.namesUTC(ProcessInfo.processInfo.environment["TZ"]) { setenv("TZ", "GMT", 1) }
        // Swift Concurrency's tasks run on NIO's event loops instead of a second pool of
        // threads. Blocking work, password hashes and config loads, therefore goes to NIO's
        // thread pool, and nothing on the request path may be an actor that one loop drains
        // while the other's connections wait.
        let executor = EventLoopExecutor.install()
        if logFormat == .json { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
        let proxies: [IPNetwork]
        do {
            proxies = try trustedProxies.map { try IPNetwork($0) }
        } catch {
            throw CommandError("--trusted-proxy: \(error)")
        }
        var metrics: PermisoApplication.MetricsExport?
        if let metricsAddress {
            guard let colon = metricsAddress.lastIndex(of: ":"), let metricsPort = Int(metricsAddress[metricsAddress.index(after: colon)...]),
                (1...65_535).contains(metricsPort)
            else { throw CommandError("--metrics-address: expected HOST:PORT, got \(metricsAddress)") }
            let metricsHost = metricsAddress[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            metrics = .init(registry: registry, host: metricsHost, port: metricsPort)
        }
        var logger = Logger(label: "permiso")
        logger.logLevel = logLevel.level
        let exporter = tracing ? try Self.bootstrapTracing(logger: logger) : nil
        let live: LiveDeployment
        do {
            live = try await LiveDeployment(configFile: options.config, metered: metrics != nil, traced: tracing)
        } catch let refusal as ServeRefusal {
            throw CommandError(refusal.description)
        }
        let config = live.snapshot.deployment.config
        if let warning = live.snapshot.deployment.stateWarning { logger.warning("\(warning)") }
        do {
            for warning in try await live.preflight() { logger.warning("\(warning)") }
        } catch let refusal as ServeRefusal {
            throw CommandError(refusal.description)
        }
        let port = port ?? config.serviceURL.port ?? 8080
        logger.info(
            "starting",
            metadata: [
                "issuer": .string(config.issuer.absoluteString), "listen": .string("\(host):\(port)"),
                "clients": .stringConvertible(config.clients.count),
                "executor": .string(executor.rawValue),
            ]
        )
        var limits = PermisoApplication.Limits()
        limits.requestDeadline = .seconds(Int64(max(1, requestTimeout)))
        limits.connections = max(1, maxConnections)
        try await PermisoApplication.make(
            live: live,
            host: host,
            port: port,
            trustedProxies: proxies,
            limits: limits,
            metrics: metrics,
            tracing: exporter,
            logger: logger
        ).runService()
    }

    /// swift-otel's tracer as the process's tracer, with only its tracing backend: logs and
    /// metrics keep their own handlers. Returns the exporter's service, which the application runs.
    static func bootstrapTracing(
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws -> any Service
    {
        // swift-otel stops the process (fatalError) for the gRPC exporter, which is not built
        // in, and for the propagators and samplers it does not implement: refuse them here.
        let supported: [String: [String]] = [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": ["http/protobuf", "http/json"],
            "OTEL_EXPORTER_OTLP_PROTOCOL": ["http/protobuf", "http/json"],
            "OTEL_PROPAGATORS": ["tracecontext", "none"],
            "OTEL_TRACES_SAMPLER": [
                "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
                "parentbased_traceidratio",
            ],
        ]
        for (name, values) in supported.sorted(by: { $0.key < $1.key }) {
            guard let value = environment[name] else { continue }
            for item in value.split(separator: ",") where !values.contains(item.trimmingCharacters(in: .whitespaces)) {
                throw CommandError("--tracing: \(name)=\(value) is not supported; use \(values.joined(separator: " or "))")
            }
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "permiso"
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.propagators = [.traceContext]
        do {
            let (tracer, exporter) = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(tracer)
            return exporter
        } catch {
            throw CommandError("--tracing: \(error)")
        }
    }
}

/// `--log-format`: lines for people, or JSON lines for log pipelines.
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}

/// `--log-level`: the levels an operator picks from.
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
    case error, warning, info, debug

    var level: Logger.Level {
        switch self {
        case .error: .error
        case .warning: .warning
        case .info: .info
        case .debug: .debug
        }
    }
}
