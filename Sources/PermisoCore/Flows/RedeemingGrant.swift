public import Foundation

/// A grant that redeems a sealed value issued earlier (RFC 6749 §4.1.3, §6; RFC 8628 §3.4):
/// the opening is the same for all of them (`SealedGrant.open`), what follows is each
/// grant's own `redeem`.
public protocol RedeemingGrant {
    associatedtype Payload: IssuedToClient
    /// How this grant names its value in requests and errors.
    static var value: SealedGrant<Payload> { get }
    /// The grant's own checks and its tokens, once the value opened for this client.
    static func redeem(_ sealed: Sealed<Payload>, _ request: TokenRequest) async throws(OAuthError) -> TokenResponse
}

/// A token request as a grant reads it: from an authenticated client, at `now`.
public struct TokenRequest: Sendable {
    public var client: ClientConfig
    public var parameters: FormParameters
    public var context: FlowContext
    public var now: Date

    public var state: ProtocolState { context.state }
    public var issuer: TokenIssuer { context.issuer }
    public var deployment: Deployment { context.deployment }
    public var config: PermisoConfig { context.config }
}

extension RedeemingGrant {
    /// Opens the value the request carries, then redeems it.
    public static func answer(
        client: ClientConfig,
        parameters: FormParameters,
        context: FlowContext,
        now: Date
    ) async throws(OAuthError) -> TokenResponse {
        let sealed = try value.open(for: client, parameters, sealer: context.issuer.sealer, now: now)
        return try await redeem(sealed, TokenRequest(client: client, parameters: parameters, context: context, now: now))
    }
}

extension AuthorizationCode: IssuedToClient {}
extension RefreshToken: IssuedToClient {}
extension DeviceCode: IssuedToClient {}
