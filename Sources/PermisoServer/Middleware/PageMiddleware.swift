import HTTPTypes
import Hummingbird
import PermisoCore

/// What every page a person reads shares: an OAuth error becomes the HTML error page with
/// the error's status (a person is reading, not a client), and every answer, redirects
/// included, carries the headers that keep it out of caches, frames and referrers
/// (RFC 9700 §4.16 on clickjacking). Each page's Content-Security-Policy comes from
/// `PageRenderer`, since its form targets and script nonce differ per page.
struct PageMiddleware: RouterMiddleware {
    typealias Context = PermisoRequestContext
    static let securityHeaders: [(HTTPField.Name, String)] = [
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
    ]

    let pages: PageRenderer
    /// Forms are small; the authorization endpoint's POST may carry a longer request.
    var maximumBody = 16 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var limited = context
        limited.maximumBody = maximumBody
        return secured(try await page(next, request, limited))
    }

    private func page(
        _ next: (Request, Context) async throws -> Response,
        _ request: Request,
        _ context: Context
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as OAuthError {
            ServiceMetrics.oauthError(error)
            return pages.error(error, branding: context.snapshot.deployment.config.branding, status: .init(code: error.httpStatus))
        }
    }

    private func secured(_ response: Response) -> Response {
        var response = response
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        for (name, value) in Self.securityHeaders { response.headers[name] = value }
        return response
    }
}
