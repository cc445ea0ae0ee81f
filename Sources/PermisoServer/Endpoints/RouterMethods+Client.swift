import Hummingbird
import PermisoCore

extension RouterMethods where Context == PermisoRequestContext {
    /// A route a client POSTs a form to and authenticates at as RFC 6749 §2.3 describes it
    /// (the token, device authorization, introspection and revocation endpoints): `handler` gets the form and the client.
    func postFromClient(
        _ path: String,
        live: LiveDeployment,
        clientAddress: ClientAddress,
        _ handler: @escaping @Sendable (FormParameters, ClientConfig, Request, PermisoRequestContext) async throws -> Response
    ) {
        post(RouterPath(path)) { request, context in
            let parameters = try await FormBody.read(request, context: context)
            let presented = ClientAuthenticator.Presented(authorization: request.headers[.authorization], parameters: parameters)
            let client: ClientConfig
            do {
                let guessing = ClientAuthenticator.Guessing(
                    throttle: context.flows.state.clientSecrets,
                    address: clientAddress.of(request, peer: context.remoteAddress?.ipAddress)
                )
                client = try await live.authenticator.authenticate(presented, config: context.snapshot.deployment.config, guessing: guessing)
                    .client
            } catch let failure as ClientAuthenticationError {
                if failure.throttled { ServiceMetrics.throttleRefused("client_secret") }
                throw ClientAuthenticationFailure(failure: failure)
            }
            return try await handler(parameters, client, request, context)
        }
    }
}
