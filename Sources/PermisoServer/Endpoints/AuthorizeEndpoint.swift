import Hummingbird
import PermisoCore

/// `GET` and `POST /oauth/authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2).
///
/// Errors found before the client and redirect URI are trusted render a page and never
/// redirect; later ones go back to the client with `error`, `state` and `iss`.
struct AuthorizeEndpoint {
    let flow: BrowserFlow

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.authorize)) { request, context in
            try await handle(request, context) { try FormParameters.parse(request.uri.query ?? "") }
        }
        routes.post(RouterPath(Endpoint.authorize)) { request, context in
            try await handle(request, context) { try await FormBody.read(request, context: context) }
        }
    }

    func handle(
        _ request: Request,
        _ context: PermisoRequestContext,
        parameters: () async throws -> FormParameters
    ) async throws -> Response {
        let snapshot = context.snapshot
        var authRequest: AuthorizationRequest
        do {
            authRequest = try AuthorizationRequest.validate(try await parameters(), config: snapshot.deployment.config)
        } catch let error as AuthorizationRequestError {
            switch error {
            case .untrusted(let error): throw error
            case .redirect(let error, let target): return fail(error, target, request, snapshot)
            }
        }
        // A malformed query (repeated or badly encoded parameters) throws `OAuthError` above:
        // nothing in it can be trusted, so `PageMiddleware` shows it as a page.
        if let hint = authRequest.idTokenHint {
            // Authentic and ours, expired or not; the raw token does not travel on in the forms.
            guard let claims = try? await snapshot.signer.verifyIDTokenHint(hint) else {
                let error = OAuthError.invalidRequest("id_token_hint is not a valid ID token from this issuer")
                return fail(error, authRequest.responseTarget, request, snapshot)
            }
            authRequest.idTokenHint = nil
            authRequest.hintSubject = claims.sub
        }
        let session: LoginSession?
        do {
            session = try await flow.session(from: request, snapshot)
        } catch {
            // RFC 6749 §4.1.2.1 has a code for this: the client may retry later.
            return fail(error, authRequest.responseTarget, request, snapshot)
        }
        return try await flow.proceed(authRequest, session: session, request: request, snapshot)
    }

    private func fail(
        _ error: OAuthError,
        _ target: AuthorizationResponseTarget,
        _ request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) -> Response {
        flow.deliver(snapshot.authorizationFlow.errorParameters(error, target: target), target, answering: request, snapshot)
    }
}
