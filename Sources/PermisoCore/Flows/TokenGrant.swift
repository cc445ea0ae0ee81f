public import Foundation

/// The token endpoint's grants by their `grant_type` (RFC 6749 §3.2, §4.1.3, §4.4.2, §6;
/// RFC 8628 §3.4), for a client already authenticated (RFC 6749 §3.2.1).
public enum TokenGrant {
    public static func answer(
        client: ClientConfig,
        parameters: FormParameters,
        context: FlowContext,
        now: Date
    ) async throws(OAuthError) -> TokenResponse {
        switch parameters["grant_type"].flatMap(GrantType.init(rawValue:)) {
        case .authorizationCode?: try await AuthorizationCodeGrant.answer(client: client, parameters: parameters, context: context, now: now)
        case .refreshToken?: try await RefreshTokenGrant.answer(client: client, parameters: parameters, context: context, now: now)
        case .deviceCode?: try await DeviceCodeGrant.answer(client: client, parameters: parameters, context: context, now: now)
        case .clientCredentials?: try await ClientCredentialsGrant(context).issue(to: client, parameters: parameters, now: now)
        case nil:
            // RFC 6749 §5.2: a missing parameter is invalid_request; an unknown grant its own code.
            guard let grant = parameters["grant_type"] else { throw .invalidRequest("grant_type is required") }
            throw .unsupportedGrantType("unknown grant_type \(grant)")
        }
    }
}
