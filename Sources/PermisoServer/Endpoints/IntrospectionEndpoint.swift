import Hummingbird
import PermisoCore

/// `POST /oauth/introspect` (RFC 7662 §2): authenticates the calling client as the token
/// endpoint does, then answers `TokenIntrospection`.
struct IntrospectionEndpoint {
    let live: LiveDeployment
    /// Who is asking, for the client-secret throttle.
    let clientAddress: ClientAddress

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.postFromClient(Endpoint.introspection, live: live, clientAddress: clientAddress) { parameters, client, _, context in
            let answer = try await TokenIntrospection(context.flows).answer(token: parameters["token"], caller: client, now: live.clock.now())
            return JSONResponse.make(json: answer.compactJSON)
        }
    }
}
