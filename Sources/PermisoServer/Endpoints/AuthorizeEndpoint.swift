import Hummingbird
import PermisoCore

/// `GET` and `POST /oauth/authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2).
///
/// Errors found before the client and redirect URI are trusted render a page and never
/// redirect; later ones go back to the client with `error`, `state` and `iss`.
struct AuthorizeEndpoint {
    let flow: BrowserFlow

    func register(on router: Router<some RequestContext>) {
        router.get(RouterPath(Endpoint.authorize)) { request, _ in
            try await handle(request) { try FormParameters.parse(request.uri.query ?? "") }
        }
        router.post(RouterPath(Endpoint.authorize)) { request, _ in
            try await handle(request) { try await FormBody.read(request, limit: 64 * 1024) }
        }
    }

    func handle(_ request: Request, parameters: () async throws -> FormParameters) async throws -> Response {
        let snapshot = flow.live.snapshot
        let branding = snapshot.deployment.config.branding
        var authRequest: AuthorizationRequest
        do {
            authRequest = try AuthorizationRequest.validate(try await parameters(), config: snapshot.deployment.config)
        } catch let error as AuthorizationRequestError {
            switch error {
            case .untrusted(let error):
                return flow.pages.error(error, branding: branding)
            case .redirect(let error, let target):
                let responder = AuthorizationFlow(deployment: snapshot.deployment, sealer: snapshot.sealer)
                return flow.deliver(responder.errorParameters(error, target: target), target, snapshot)
            }
        } catch let error as OAuthError {
            // A malformed query (repeated or badly encoded parameters): nothing in it can be trusted.
            return flow.pages.error(error, branding: branding)
        }
        if let hint = authRequest.idTokenHint {
            // Authentic and ours, expired or not; the raw token does not travel on in the forms.
            guard let claims = try? await snapshot.signer.verifyIDTokenHint(hint) else {
                let responder = AuthorizationFlow(deployment: snapshot.deployment, sealer: snapshot.sealer)
                let error = OAuthError.invalidRequest("id_token_hint is not a valid ID token from this issuer")
                return flow.deliver(responder.errorParameters(error, target: authRequest.responseTarget), authRequest.responseTarget, snapshot)
            }
            authRequest.idTokenHint = nil
            authRequest.hintSubject = claims.sub
        }
        let session: LoginSession?
        do {
            session = try await flow.session(from: request, snapshot)
        } catch {
            // RFC 6749 §4.1.2.1 has a code for this: the client may retry later.
            let responder = AuthorizationFlow(deployment: snapshot.deployment, sealer: snapshot.sealer)
            return flow.deliver(responder.errorParameters(error, target: authRequest.responseTarget), authRequest.responseTarget, snapshot)
        }
        return try await flow.proceed(authRequest, session: session, request: request, snapshot)
    }
}
