public import Hummingbird
public import Logging

/// Builds the token service: routes, middleware and the reload service.
///
/// The HTTP layer stays thin: each endpoint decodes a request, calls PermisoCore, and
/// encodes the answer. What routes share is middleware, in three groups: the prepared
/// documents, the OAuth JSON endpoints, and the pages a person reads.
public enum PermisoApplication {
    /// - Parameter trustedProxies: peers whose `X-Forwarded-For` names the client (see `ClientAddress`).
    public static func router(live: LiveDeployment, trustedProxies: Set<String> = []) -> Router<PermisoRequestContext> {
        let router = Router(context: PermisoRequestContext.self)
        router.add(middleware: RequestMiddleware(live: live))

        // Prepared bytes with their own headers: the well-known documents, liveness, the stylesheet.
        WellKnownEndpoint(live: live).register(on: router)
        HealthEndpoint().register(on: router)
        AssetsEndpoint().register(on: router)

        // The OAuth JSON endpoints: never cached; bodies up to 64 KiB, userinfo's 16 KiB.
        let clientAddress = ClientAddress(trustedProxies: trustedProxies)
        let oauth = router.group().add(middleware: OAuthJSONMiddleware())
        TokenEndpoint(live: live, clientAddress: clientAddress).register(on: oauth)
        DeviceAuthorizationEndpoint(live: live, clientAddress: clientAddress).register(on: oauth)
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
        DeviceEndpoint(flow: flow).register(on: pages)
        DemoEndpoint(flow: flow).register(on: pages)
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
