/// Every error Permiso's endpoints return, one case per registered error code.
///
/// The cases are exactly the codes of RFC 6749 (§4.1.2.1, §5.2), RFC 6750 (§3.1), RFC 8628
/// (§3.5), RFC 8707 (§2) and OIDC Core (§3.1.2.6); each carries the human-readable `error_description`.
/// Endpoints throw these and never build error bodies by hand; the HTTP layer renders them.
public enum OAuthError: Error, Sendable, Equatable {
    case invalidRequest(String)
    case invalidClient(String)
    case invalidGrant(String)
    case unauthorizedClient(String)
    case unsupportedGrantType(String)
    case unsupportedResponseType(String)
    case invalidScope(String)
    case accessDenied(String)
    case serverError(String)
    case temporarilyUnavailable(String)
    // RFC 6750 §3.1
    case invalidToken(String)
    case insufficientScope(String)
    // RFC 8628 §3.5
    case authorizationPending(String)
    case slowDown(String)
    case expiredToken(String)
    // OIDC Core §3.1.2.6
    case loginRequired(String)
    case consentRequired(String)
    case interactionRequired(String)
    case requestNotSupported(String)
    case requestURINotSupported(String)
    // RFC 8707 §2
    case invalidTarget(String)

    /// The registered `error` code.
    public var code: String {
        switch self {
        case .invalidRequest: return "invalid_request"
        case .invalidClient: return "invalid_client"
        case .invalidGrant: return "invalid_grant"
        case .unauthorizedClient: return "unauthorized_client"
        case .unsupportedGrantType: return "unsupported_grant_type"
        case .unsupportedResponseType: return "unsupported_response_type"
        case .invalidScope: return "invalid_scope"
        case .accessDenied: return "access_denied"
        case .serverError: return "server_error"
        case .temporarilyUnavailable: return "temporarily_unavailable"
        case .invalidToken: return "invalid_token"
        case .insufficientScope: return "insufficient_scope"
        case .authorizationPending: return "authorization_pending"
        case .slowDown: return "slow_down"
        case .expiredToken: return "expired_token"
        case .loginRequired: return "login_required"
        case .consentRequired: return "consent_required"
        case .interactionRequired: return "interaction_required"
        case .requestNotSupported: return "request_not_supported"
        case .requestURINotSupported: return "request_uri_not_supported"
        case .invalidTarget: return "invalid_target"
        }
    }

    /// The `error_description`: for people, never for parsing.
    public var description: String {
        switch self {
        case .invalidRequest(let text), .invalidClient(let text), .invalidGrant(let text),
            .unauthorizedClient(let text), .unsupportedGrantType(let text), .unsupportedResponseType(let text),
            .invalidScope(let text), .accessDenied(let text), .serverError(let text),
            .temporarilyUnavailable(let text), .invalidToken(let text), .insufficientScope(let text),
            .authorizationPending(let text), .slowDown(let text), .expiredToken(let text),
            .loginRequired(let text), .consentRequired(let text), .interactionRequired(let text),
            .requestNotSupported(let text), .requestURINotSupported(let text), .invalidTarget(let text):
            return text
        }
    }

    /// The HTTP status when the error is returned directly (not by redirect).
    public var httpStatus: Int {
        switch self {
        // RFC 6749 §5.2: 401 when the client authenticated through the Authorization header;
        // the token endpoint upgrades this to 401 with WWW-Authenticate where it applies.
        case .invalidClient, .invalidToken: return 401
        case .insufficientScope: return 403
        case .serverError: return 500
        case .temporarilyUnavailable: return 503
        default: return 400
        }
    }
}
