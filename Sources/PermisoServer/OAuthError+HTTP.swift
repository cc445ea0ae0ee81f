import Foundation
import HTTPTypes
public import Hummingbird
public import PermisoCore

/// OAuth errors render themselves as RFC 6749 §5.2 JSON bodies; endpoints only `throw`.
extension OAuthError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ServiceMetrics.oauthError(self)
        var response = try JSONResponse.make(OAuthErrorBody(error: code, errorDescription: description), status: status)
        // RFC 6749 §5.2: errors are never cached either, wherever they are rendered.
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

/// The JSON error body of RFC 6749 §5.2.
struct OAuthErrorBody: Encodable {
    var error: String
    var errorDescription: String

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}
