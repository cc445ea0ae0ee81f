internal import Foundation

/// The discovery document (OIDC Discovery 1.0 §3), also served as RFC 8414 metadata.
///
/// Every list says exactly what the token service implements, nothing more: clients pick
/// their flow from it, so an advertised feature that does not work is a bug.
public struct ProviderMetadata: Sendable, Equatable, Codable {
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var userinfoEndpoint: String
    public var jwksURI: String
    public var endSessionEndpoint: String
    public var deviceAuthorizationEndpoint: String
    public var introspectionEndpoint: String
    /// RFC 8414 §2: only clients with a secret may introspect.
    public var introspectionEndpointAuthMethodsSupported: [String]
    public var revocationEndpoint: String
    /// RFC 8414 §2: public clients revoke their own tokens by `client_id` (RFC 7009 §2.1).
    public var revocationEndpointAuthMethodsSupported: [String]
    public var scopesSupported: [String]
    public var responseTypesSupported: [String]
    public var responseModesSupported: [String]
    public var grantTypesSupported: [String]
    public var subjectTypesSupported: [String]
    public var idTokenSigningAlgValuesSupported: [String]
    public var tokenEndpointAuthMethodsSupported: [String]
    public var claimsSupported: [String]
    public var codeChallengeMethodsSupported: [String]
    /// OIDC Discovery §3: the `acr` values `acr_values` may ask for and ID tokens carry.
    public var acrValuesSupported: [String]
    public var promptValuesSupported: [String]
    public var displayValuesSupported: [String]
    public var claimTypesSupported: [String]
    public var authorizationResponseIssParameterSupported: Bool
    public var claimsParameterSupported: Bool
    public var requestParameterSupported: Bool
    public var requestURIParameterSupported: Bool
    public var frontchannelLogoutSupported: Bool
    public var backchannelLogoutSupported: Bool
    /// Back-Channel Logout 1.0 §2.1: logout tokens carry `sid`, the ID token's.
    public var backchannelLogoutSessionSupported: Bool
    /// Front-Channel Logout 1.0 §3: the frames get `iss` and `sid` when a client asks.
    public var frontchannelLogoutSessionSupported: Bool
    /// RFC 9728 §4: the APIs (resource indicators) this server issues access tokens for;
    /// absent when the config defines none.
    public var protectedResources: [String]?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case userinfoEndpoint = "userinfo_endpoint"
        case jwksURI = "jwks_uri"
        case endSessionEndpoint = "end_session_endpoint"
        case deviceAuthorizationEndpoint = "device_authorization_endpoint"
        case introspectionEndpoint = "introspection_endpoint"
        case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
        case revocationEndpoint = "revocation_endpoint"
        case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
        case scopesSupported = "scopes_supported"
        case responseTypesSupported = "response_types_supported"
        case responseModesSupported = "response_modes_supported"
        case grantTypesSupported = "grant_types_supported"
        case subjectTypesSupported = "subject_types_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case claimsSupported = "claims_supported"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case acrValuesSupported = "acr_values_supported"
        case promptValuesSupported = "prompt_values_supported"
        case displayValuesSupported = "display_values_supported"
        case claimTypesSupported = "claim_types_supported"
        case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
        case claimsParameterSupported = "claims_parameter_supported"
        case requestParameterSupported = "request_parameter_supported"
        case requestURIParameterSupported = "request_uri_parameter_supported"
        case frontchannelLogoutSupported = "frontchannel_logout_supported"
        case backchannelLogoutSupported = "backchannel_logout_supported"
        case backchannelLogoutSessionSupported = "backchannel_logout_session_supported"
        case frontchannelLogoutSessionSupported = "frontchannel_logout_session_supported"
        case protectedResources = "protected_resources"
    }

    /// Claims Permiso puts in ID tokens itself, whatever the scopes.
    static let protocolClaims = ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid"]

    public init(deployment: Deployment) {
        let config = deployment.config
        let issuer = config.issuer.absoluteString
        let service = config.serviceURL.absoluteString
        self.issuer = issuer
        authorizationEndpoint = service + Endpoint.authorize
        tokenEndpoint = service + Endpoint.token
        userinfoEndpoint = service + Endpoint.userinfo
        jwksURI = issuer + Endpoint.jwks
        endSessionEndpoint = service + Endpoint.endSession
        deviceAuthorizationEndpoint = service + Endpoint.deviceAuthorization
        introspectionEndpoint = service + Endpoint.introspection
        introspectionEndpointAuthMethodsSupported = ClientAuthMethod.allCases.filter { $0 != .none }.map(\.rawValue)
        revocationEndpoint = service + Endpoint.revocation
        revocationEndpointAuthMethodsSupported = ClientAuthMethod.allCases.map(\.rawValue)
        scopesSupported = config.scopes.map(\.name)
        // OAuth 2.1 drops the implicit and hybrid flows; only the code flow is served.
        responseTypesSupported = ["code"]
        responseModesSupported = ["query", "form_post"]
        grantTypesSupported = GrantType.allCases.map(\.rawValue)
        subjectTypesSupported = ["public"]
        idTokenSigningAlgValuesSupported = deployment.keys.activeAlgorithms.map(\.rawValue)
        tokenEndpointAuthMethodsSupported = ClientAuthMethod.allCases.map(\.rawValue)
        var claims = Self.protocolClaims
        for claim in config.scopes.flatMap(\.claims) where !claims.contains(claim) {
            claims.append(claim)
        }
        claimsSupported = claims
        // RFC 7636 §4.2: plain offers no protection against a leaked authorization request.
        codeChallengeMethodsSupported = ["S256"]
        acrValuesSupported = AuthenticationLevel.allCases.map(\.rawValue)
        promptValuesSupported = ["none", "login", "consent"]
        displayValuesSupported = ["page"]
        claimTypesSupported = ["normal"]
        // RFC 9207: every authorization response carries iss.
        authorizationResponseIssParameterSupported = true
        claimsParameterSupported = false
        // OIDC Discovery §3 defaults request_uri_parameter_supported to true, so say false explicitly.
        requestParameterSupported = false
        requestURIParameterSupported = false
        // OpenID Connect Front-Channel Logout 1.0 §3: the signed-out page frames each client's URI.
        frontchannelLogoutSupported = true
        frontchannelLogoutSessionSupported = true
        // OpenID Connect Back-Channel Logout 1.0 §2.1: clients that register a URI are told.
        backchannelLogoutSupported = true
        backchannelLogoutSessionSupported = true
        protectedResources = config.resources.isEmpty ? nil : config.resources.map(\.id)
    }
}
