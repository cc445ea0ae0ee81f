import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// `GET` and `POST /oauth/logout`: OpenID Connect RP-Initiated Logout 1.0.
///
/// With an authentic `id_token_hint` (expired is fine) the user is signed out at once and,
/// if `post_logout_redirect_uri` is registered for that client exactly, sent back there with
/// `state`. Without one, the user is asked first, so a link on another site cannot sign
/// them out. Logging out denies the session id until the session would have expired.
struct LogoutEndpoint {
    let flow: BrowserFlow

    /// A pending logout, sealed into the confirmation form and bound to the binding cookie.
    struct Pending: BoundTransaction {
        var redirect: String?
        var state: String?
        var binding: String
    }

    func register(on router: Router<some RequestContext>) {
        router.get(RouterPath(Endpoint.endSession)) { request, _ in
            try await flow.page { try await handle(request, parameters: try FormParameters.parse(request.uri.query ?? "")) }
        }
        router.post(RouterPath(Endpoint.endSession)) { request, _ in
            try await flow.page { try await handle(request, parameters: try await FormBody.read(request, limit: 16 * 1024)) }
        }
    }

    func handle(_ request: Request, parameters: FormParameters) async throws -> Response {
        let snapshot = flow.live.snapshot
        let config = snapshot.deployment.config
        if let pendingText = parameters["logout_tx"] {
            return try await confirm(pendingText, request: request, snapshot)
        }
        var hint: IDTokenClaims?
        if let text = parameters["id_token_hint"] {
            do {
                hint = try await snapshot.signer.verifyIDTokenHint(text)
            } catch {
                return flow.pages.error(error, branding: config.branding)
            }
        }
        // The client is the hint's audience, or client_id; both given must agree.
        if let hint, let clientID = parameters["client_id"], clientID != hint.aud {
            return flow.pages.error(.invalidRequest("client_id does not match the id_token_hint"), branding: config.branding)
        }
        var redirect: String?
        if let uri = parameters["post_logout_redirect_uri"] {
            let client = (hint?.aud ?? parameters["client_id"]).flatMap(config.client(id:))
            // Exact match with the client's list, or no redirect at all.
            guard let client, client.postLogoutRedirectURIs.contains(uri) else {
                return flow.pages.error(
                    .invalidRequest("post_logout_redirect_uri is not registered for this client"),
                    branding: config.branding
                )
            }
            redirect = uri
        }
        let session = try await flow.session(from: request, snapshot)
        if let hint, session == nil || session?.subject == hint.sub {
            return try await logout(session, redirect: redirect, state: parameters["state"], snapshot)
        }
        guard session != nil else {
            // Nobody to sign out: nothing to confirm.
            return try await logout(nil, redirect: redirect, state: parameters["state"], snapshot)
        }
        var context: [String: Any] = ["title": "Sign out"]
        if let session, let username = config.user(subject: session.subject)?.username { context["username"] = username }
        return try flow.boundForm("logout-confirm", request: request, snapshot, context: context, formTargets: .init(redirectURI: redirect)) {
            Pending(redirect: redirect, state: parameters["state"], binding: LoginTransaction.bindingDigest($0))
        }
    }

    private func confirm(_ text: String, request: Request, _ snapshot: LiveDeployment.Snapshot) async throws -> Response {
        guard let pending = flow.openBound(text, as: Pending.self, request, snapshot) else {
            return flow.pages.error(
                .invalidRequest("This sign-out form has expired or was opened in another browser."),
                branding: snapshot.deployment.config.branding
            )
        }
        let session = try await flow.session(from: request, snapshot)
        return try await logout(session, redirect: pending.redirect, state: pending.state, snapshot)
    }

    private func logout(
        _ session: LoginSession?,
        redirect: String?,
        state: String?,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws -> Response {
        if let session {
            let until = Date(timeIntervalSince1970: TimeInterval(session.authTime + snapshot.deployment.config.lifetimes.session))
            do {
                try await flow.live.store.deny("sid:\(session.sessionID)", until: until)
            } catch {
                throw OAuthError.temporarilyUnavailable("sign-out cannot be recorded right now; try again")
            }
        }
        var response: Response
        if let redirect {
            var parameters: [(String, String)] = []
            if let state { parameters.append(("state", state)) }
            let location = parameters.isEmpty ? redirect : AuthorizationFlow.redirectURL(redirect, parameters: parameters)
            response = Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
        } else {
            response = flow.pages.render("logged-out", ["title": "Signed out"], branding: snapshot.deployment.config.branding)
        }
        response.setCookie(flow.cookie(BrowserFlow.sessionCookie, "", maxAge: 0, snapshot))
        return response
    }
}
