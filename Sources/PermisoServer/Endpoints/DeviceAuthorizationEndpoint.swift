import Hummingbird
import PermisoCore

/// `POST /oauth/device/code` (RFC 8628 §3.1): the device asks for a device code and a user
/// code. Clients authenticate as at the token endpoint; public clients send only `client_id`.
struct DeviceAuthorizationEndpoint {
    let live: LiveDeployment
    /// Who is asking, for the per-address throttle.
    let clientAddress: ClientAddress

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.postFromClient(Endpoint.deviceAuthorization, live: live, clientAddress: clientAddress) { parameters, client, request, context in
            let address = clientAddress.of(request, peer: context.remoteAddress?.ipAddress)
            let response = try await DeviceAuthorization(context.flows)
                .start(client: client, parameters: parameters, address: address, now: live.clock.now())
            return try JSONResponse.make(response)
        }
    }
}
