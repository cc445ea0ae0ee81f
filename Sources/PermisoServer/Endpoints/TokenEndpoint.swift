import Hummingbird
import PermisoCore

/// `POST /oauth/token` (RFC 6749 §3.2): authenticates the client, then answers its grant
/// (`TokenGrant`).
struct TokenEndpoint {
    let live: LiveDeployment

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.postFromClient(Endpoint.token, live: live) { parameters, client, _, context in
            let response = try await TokenGrant.answer(client: client, parameters: parameters, context: context.flows, now: live.clock.now())
            return JSONResponse.make(json: response.compactJSON)
        }
    }
}
