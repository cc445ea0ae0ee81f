import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// `GET` and `POST /oauth/userinfo` (OIDC Core §5.3): reads the bearer token (RFC 6750 §2)
/// and answers `UserinfoRequest`'s claims.
struct UserinfoEndpoint {
    let live: LiveDeployment

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.userinfo)) { request, context in try await handle(request, context, body: nil) }
        routes.post(RouterPath(Endpoint.userinfo)) { request, context in
            // RFC 6750 §2.2: a token in the body comes form-encoded; a POST without a body has none.
            let body = request.headers[.contentType] == nil ? FormParameters() : try await FormBody.read(request, context: context)
            return try await handle(request, context, body: body)
        }
    }

    func handle(_ request: Request, _ context: PermisoRequestContext, body: FormParameters?) async throws -> Response {
        do {
            let token = try BearerToken.extract(authorization: request.headers[.authorization], form: body)
            let claims = try await UserinfoRequest(context.flows).claims(accessToken: token, now: live.clock.now())
            return try JSONResponse.make(claims)
        } catch let error as BearerTokenError {
            throw BearerError(error.error)
        }
    }
}

/// RFC 6750 §3: errors of a protected resource travel in `WWW-Authenticate: Bearer`.
struct BearerError: HTTPResponseError {
    var error: OAuthError?

    init(_ error: OAuthError?) { self.error = error }

    var status: HTTPResponse.Status { error.map { $0.status } ?? .unauthorized }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var challenge = "Bearer realm=\"permiso\""
        if let error {
            let description = error.description.replacingOccurrences(of: "\"", with: "'")
            challenge += ", error=\"\(error.code)\", error_description=\"\(description)\""
        }
        var response =
            try error?.response(from: request, context: context)
            ?? Response(status: .unauthorized, headers: [.cacheControl: "no-store"])
        response.headers[.wwwAuthenticate] = challenge
        return response
    }
}
