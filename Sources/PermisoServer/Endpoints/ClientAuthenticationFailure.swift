import HTTPTypes
import Hummingbird
import PermisoCore

/// `invalid_client` as RFC 6749 §5.2 wants it: 401, with a Basic challenge when Basic was tried.
struct ClientAuthenticationFailure: HTTPResponseError {
    var failure: ClientAuthenticationError

    var status: HTTPResponse.Status { failure.error.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try failure.error.response(from: request, context: context)
        if failure.basic, case .invalidClient = failure.error {
            response.headers[.wwwAuthenticate] = "Basic realm=\"permiso\", charset=\"UTF-8\""
        }
        return response
    }
}
