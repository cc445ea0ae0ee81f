import Hummingbird
import PermisoCore

/// `POST /oauth/device/code` (RFC 8628 §3.1): the device asks for a device code and a user
/// code. Clients authenticate as at the token endpoint; public clients send only `client_id`.
struct DeviceAuthorizationEndpoint {
    let live: LiveDeployment

    func register(on router: Router<some RequestContext>) {
        router.post(RouterPath(Endpoint.deviceAuthorization)) { request, _ in
            try await handle(request)
        }
    }

    func handle(_ request: Request) async throws -> Response {
        let parameters = try await FormBody.read(request, limit: TokenEndpoint.maximumBody)
        let snapshot = live.snapshot
        let client = try await TokenEndpoint.authenticate(request, parameters, live: live, snapshot)
        let response = try await DeviceAuthorization(deployment: snapshot.deployment, sealer: snapshot.sealer, state: live.state)
            .start(client: client, parameters: parameters, now: live.clock.now())
        return try JSONResponse.noStore(response)
    }
}
