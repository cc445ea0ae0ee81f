import HTTPTypes
import Hummingbird

/// What the OAuth JSON endpoints (token, device authorization, userinfo) share: their
/// answers, successes and errors alike, are never cached (RFC 6749 §5.1, §5.2; RFC 6750
/// §3; RFC 8628 §3.2), and a body larger than `maximumBody` is refused before it is parsed.
struct OAuthJSONMiddleware: RouterMiddleware {
    typealias Context = PermisoRequestContext
    static let pragma = HTTPField.Name("Pragma")!
    var maximumBody = 64 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maximumBody = maximumBody
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.cacheControl] = "no-store"
        response.headers[Self.pragma] = "no-cache"
        return response
    }
}
