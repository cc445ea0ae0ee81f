public import Hummingbird
import HummingbirdCore
public import Logging
public import NIOCore
public import PermisoCore
public import Prometheus
public import ServiceLifecycle

/// Builds the token service: routes, middleware and the reload service.
///
/// The HTTP layer stays thin: each endpoint decodes a request, calls PermisoCore, and
/// encodes the answer. What routes share is middleware, in three groups: the prepared
/// documents, the OAuth JSON endpoints, and the pages a person reads.
public enum PermisoApplication {
    /// - Parameters:
    ///   - trustedProxies: peers whose `X-Forwarded-For` names the client (see `ClientAddress`):
    ///     addresses or CIDR blocks.
    ///   - metrics: record each request's route, status and latency (`RequestMetrics`); only
    ///     when `--metrics-address` exports them.
    ///   - tracing: a server span per request (`RequestSpanMiddleware`), continuing a trusted
    ///     proxy's W3C `traceparent`; only when `--tracing` exports spans.
    public static func router(
        live: LiveDeployment,
        trustedProxies: [IPNetwork] = [],
        metrics: Bool = false,
        tracing: Bool = false
    ) -> Router<PermisoRequestContext> {
        let router = Router(context: PermisoRequestContext.self)
        if tracing { router.add(middleware: RequestSpanMiddleware(trustedProxies: TrustedProxies(trustedProxies))) }
        router.add(middleware: RequestMiddleware(live: live, metrics: metrics ? RequestMetrics() : nil))

        // Prepared bytes with their own headers: the well-known documents, liveness, the stylesheet.
        WellKnownEndpoint(live: live).register(on: router)
        HealthEndpoint(live: live).register(on: router)
        AssetsEndpoint().register(on: router)

        // The OAuth JSON endpoints: never cached; bodies up to 64 KiB, userinfo's 16 KiB.
        let clientAddress = ClientAddress(trustedProxies: TrustedProxies(trustedProxies))
        let oauth = router.group().add(middleware: OAuthJSONMiddleware())
        TokenEndpoint(live: live, clientAddress: clientAddress).register(on: oauth)
        DeviceAuthorizationEndpoint(live: live, clientAddress: clientAddress).register(on: oauth)
        IntrospectionEndpoint(live: live, clientAddress: clientAddress).register(on: oauth)
        RevocationEndpoint(live: live, clientAddress: clientAddress).register(on: oauth)
        UserinfoEndpoint(live: live).register(on: router.group().add(middleware: OAuthJSONMiddleware(maximumBody: 16 * 1024)))

        // Pages: errors as pages, the shared security headers; the authorization request
        // may be posted at up to 64 KiB, the forms at 16 KiB.
        let renderer = PageRenderer()
        let flow = BrowserFlow(live: live, pages: renderer, clientAddress: clientAddress)
        AuthorizeEndpoint(flow: flow).register(on: router.group().add(middleware: PageMiddleware(pages: renderer, maximumBody: 64 * 1024)))
        let pages = router.group().add(middleware: PageMiddleware(pages: renderer))
        LoginEndpoint(flow: flow).register(on: pages)
        ConsentEndpoint(flow: flow).register(on: pages)
        LogoutEndpoint(flow: flow).register(on: pages)
        let device = DeviceEndpoint(flow: flow)
        device.register(on: pages)
        let account = AccountEndpoint(flow: flow)
        account.register(on: pages)
        let completion = SignInCompletion(flow: flow, device: device, account: account)
        SecondFactorEndpoint(flow: flow, completion: completion).register(on: pages)
        PasskeyEndpoint(flow: flow, completion: completion).register(on: pages)
        DemoEndpoint(flow: flow).register(on: pages)
        return router
    }

    /// What one process lets a connection cost it.
    public struct Limits: Sendable {
        /// How long a request may take to arrive whole (`RequestDeadlineHandler`).
        public var requestDeadline: TimeAmount = .seconds(30)
        /// Connections open at once (`ConnectionLimit`).
        public var connections = 10_000
        /// Header limits: no field over 8 KiB, 32 KiB and 100 fields in all. Permiso's own
        /// requests carry a cookie or two and a bearer token; browsers send far less than this.
        public var maximumHeaderField = 8 * 1024
        public var maximumHeaders = 32 * 1024
        public var maximumHeaderCount = 100

        public init() {}
    }

    /// Where `/metrics` is served, and what it reads.
    public struct MetricsExport: Sendable {
        public var registry: PrometheusCollectorRegistry
        public var host: String
        public var port: Int

        public init(registry: PrometheusCollectorRegistry, host: String, port: Int) {
            self.registry = registry
            self.host = host
            self.port = port
        }
    }

    /// The `Server` header of every answer.
    static let serverName = "Permiso"

    public static func make(
        live: LiveDeployment,
        host: String,
        port: Int,
        trustedProxies: [IPNetwork] = [],
        limits: Limits = Limits(),
        metrics: MetricsExport? = nil,
        tracing: (any Service)? = nil,
        logger: Logger
    ) -> some ApplicationProtocol {
        let connections = ConnectionLimit(limit: limits.connections)
        let deadline = limits.requestDeadline
        // Prepared answers skip the router, unless every request is to be logged or traced.
        let prepared =
            logger.logLevel > .debug && tracing == nil
            ? PreparedDocuments(live: live, serverName: serverName, recordsMetrics: metrics != nil) : nil
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [connections.handler(), RequestDeadlineHandler(deadline: deadline)],
            // The request deadline is the idle timeout too: it closes a connection whose next
            // request has not arrived within `deadline` of the last answer, and it hears of the
            // answers `PreparedDocuments` gives beneath the router, which Hummingbird's idle
            // timer would not see (it would close a connection busy with them).
            idleTimeout: nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maximumHeaderField,
                maxHeaderListSize: limits.maximumHeaders,
                maxHeaderFieldCount: limits.maximumHeaderCount
            )
        )
        var services: [any Service] = [ReloadService(live: live, logger: logger)]
        // The span exporter runs beside the server and flushes what it holds at shutdown.
        if let tracing { services.append(tracing) }
        if let metrics {
            // Its own listener: the public port never answers /metrics.
            let metricsRouter = Router()
            MetricsEndpoint(registry: metrics.registry, live: live).register(on: metricsRouter)
            services.append(
                Application(
                    router: metricsRouter,
                    configuration: .init(address: .hostname(metrics.host, port: metrics.port), serverName: serverName),
                    logger: logger
                )
            )
        }
        return Application(
            router: router(live: live, trustedProxies: trustedProxies, metrics: metrics != nil, tracing: tracing != nil),
            server: prepared.map { documents in
                HTTPServerBuilder { PreparedHTTP1Channel(http1: HTTP1Channel(responder: $0, configuration: configuration), documents: documents) }
            } ?? .http1(configuration: configuration),
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            services: services,
            logger: logger
        )
    }
}
