import Hummingbird
import PermisoCore

/// `POST /oauth/revoke` (RFC 7009 §2): authenticates the client as the token endpoint does,
/// then asks `TokenRevocation`; success is 200 with an empty body (§2.2).
struct RevocationEndpoint {
    let live: LiveDeployment
    /// Who is asking, for the client-secret throttle.
    let clientAddress: ClientAddress

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.postFromClient(Endpoint.revocation, live: live, clientAddress: clientAddress) { parameters, client, _, context in
            try await TokenRevocation(context.flows).revoke(token: parameters["token"], client: client, now: live.clock.now())
            return Response(status: .ok)
        }
    }
}
