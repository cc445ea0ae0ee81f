public import Hummingbird
public import Logging

/// Builds the token service: routes, middleware and the reload service.
///
/// The HTTP layer stays thin: each endpoint decodes a request, calls PermisoCore, and
/// encodes the answer.
public enum PermisoApplication {
    /// - Parameter trustedProxies: peers whose `X-Forwarded-For` names the client (see `ClientAddress`).
    public static func router(live: LiveDeployment, trustedProxies: Set<String> = []) -> Router<PermisoRequestContext> {
        let router = Router(context: PermisoRequestContext.self)
        WellKnownEndpoint(live: live).register(on: router)
        HealthEndpoint().register(on: router)
        TokenEndpoint(live: live).register(on: router)
        let flow = BrowserFlow(live: live, pages: PageRenderer(), clientAddress: ClientAddress(trustedProxies: trustedProxies))
        AuthorizeEndpoint(flow: flow).register(on: router)
        LoginEndpoint(flow: flow).register(on: router)
        ConsentEndpoint(flow: flow).register(on: router)
        AssetsEndpoint(live: live).register(on: router)
        UserinfoEndpoint(live: live).register(on: router)
        LogoutEndpoint(flow: flow).register(on: router)
        DemoEndpoint(flow: flow).register(on: router)
        DeviceAuthorizationEndpoint(live: live).register(on: router)
        DeviceEndpoint(flow: flow).register(on: router)
        return router
    }

    public static func make(
        live: LiveDeployment,
        host: String,
        port: Int,
        trustedProxies: Set<String> = [],
        logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(live: live, trustedProxies: trustedProxies),
            configuration: .init(address: .hostname(host, port: port), serverName: "Permiso"),
            services: [ReloadService(live: live, logger: logger)],
            logger: logger
        )
    }
}
