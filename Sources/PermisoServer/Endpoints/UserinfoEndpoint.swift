import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// `GET` and `POST /oauth/userinfo` (OIDC Core §5.3): the claims an access token's scopes
/// release, for the same `sub` as its ID token.
///
/// The token is verified offline like any resource server would (signature by `kid`, `typ`,
/// `iss`, expiry), plus one check only the provider can make: its session was not logged out.
struct UserinfoEndpoint {
    let live: LiveDeployment

    func register(on router: Router<some RequestContext>) {
        router.get(RouterPath(Endpoint.userinfo)) { request, _ in try await handle(request, body: nil) }
        router.post(RouterPath(Endpoint.userinfo)) { request, _ in
            let body = request.headers[.contentType] == nil ? FormParameters() : try await FormBody.read(request, limit: 16 * 1024)
            return try await handle(request, body: body)
        }
    }

    func handle(_ request: Request, body: FormParameters?) async throws -> Response {
        let header = request.headers[.authorization]
        let formToken = body?["access_token"]
        // RFC 6750 §2: one method per request.
        if header != nil && formToken != nil {
            throw BearerError(.invalidRequest("send the access token in one place, not two"))
        }
        let token: String
        if let header {
            guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
                throw BearerError(nil)
            }
            token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if let formToken {
            token = formToken
        } else {
            // RFC 6750 §3.1: no credentials, no error code.
            throw BearerError(nil)
        }
        let snapshot = live.snapshot
        let claims: AccessTokenClaims
        do {
            claims = try await snapshot.signer.verifyAccessToken(token, now: live.clock.now())
        } catch {
            throw BearerError(error)
        }
        guard claims.scopes.contains("openid") else {
            throw BearerError(.insufficientScope("userinfo needs a token with the openid scope"))
        }
        // Logged-out sessions are refused while the store answers. When it cannot, userinfo
        // keeps serving (the availability rule): the token is authentic and unexpired,
        // and resource servers accept it offline on exactly those grounds anyway.
        if let sid = claims.sid, (try? await live.store.isDenied("sid:\(sid)")) == true {
            throw BearerError(.invalidToken("the session of this token has ended"))
        }
        guard let user = snapshot.deployment.config.user(subject: claims.subject) else {
            throw BearerError(.invalidToken("the user of this token no longer exists"))
        }
        var body = snapshot.tokenIssuer.releasedClaims(user, scopes: claims.scopes)
        body["sub"] = .string(user.subject)
        return try JSONResponse.noStore(body)
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
