import Hummingbird
import PermisoCore

/// `POST /oauth/token` (RFC 6749 §3.2): authenticates the client, then answers its grant
/// (`TokenGrant`).
struct TokenEndpoint {
    let live: LiveDeployment
    /// Who is asking, for the client-secret throttle.
    let clientAddress: ClientAddress

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.postFromClient(Endpoint.token, live: live, clientAddress: clientAddress) { parameters, client, _, context in
            let response = try await TokenGrant.answer(client: client, parameters: parameters, context: context.flows, now: live.clock.now())
            ServiceMetrics.tokenIssued(grant: parameters["grant_type"] ?? "", algorithm: response.signingAlgorithm)
            return JSONResponse.make(json: response.compactJSON)
        }
    }
}
