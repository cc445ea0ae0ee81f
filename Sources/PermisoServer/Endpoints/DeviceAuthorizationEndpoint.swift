import Hummingbird
import PermisoCore

/// `POST /oauth/device/code` (RFC 8628 §3.1): the device asks for a device code and a user
/// code. Clients authenticate as at the token endpoint; public clients send only `client_id`.
struct DeviceAuthorizationEndpoint {
    let live: LiveDeployment

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.postFromClient(Endpoint.deviceAuthorization, live: live) { parameters, client, context in
            try JSONResponse.make(try await DeviceAuthorization(context.flows).start(client: client, parameters: parameters, now: live.clock.now()))
        }
    }
}
