internal import Foundation

/// Why a protected resource refused a request (RFC 6750 §3): an OAuth error, or none at all
/// when the request carried no credentials (§3.1: then no error code is given).
public struct BearerTokenError: Error, Sendable, Equatable {
    public var error: OAuthError?

    public init(_ error: OAuthError?) { self.error = error }
}

/// The access token of a request to a protected resource (RFC 6750 §2).
public enum BearerToken {
    /// The token from the `Authorization: Bearer` header (§2.1) or the `access_token` form
    /// field of a form-encoded body (§2.2). A client uses one method per request (§2), so a
    /// token in both is `invalid_request`; a header of another scheme counts as no credentials.
    public static func extract(authorization: String?, form: FormParameters?) throws(BearerTokenError) -> String {
        let formToken = form?["access_token"]
        if authorization != nil && formToken != nil {
            throw BearerTokenError(.invalidRequest("send the access token in one place, not two"))
        }
        if let authorization {
            // §2.1: the scheme is case-insensitive; b64token follows one space.
            guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
                throw BearerTokenError(nil)
            }
            return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        if let formToken { return formToken }
        throw BearerTokenError(nil)
    }
}
