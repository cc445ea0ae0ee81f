import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// `GET` and `POST /oauth/logout`: OpenID Connect RP-Initiated Logout 1.0, decided by
/// `RPInitiatedLogout`; this endpoint renders its decision.
struct LogoutEndpoint {
    let flow: BrowserFlow

    /// A pending logout, sealed into the confirmation form and bound to the binding cookie.
    struct Pending: BoundTransaction {
        static let purpose = SealPurpose.logoutTransaction
        var redirect: String?
        var state: String?
        var binding: String
    }

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.endSession)) { request, context in
            try await handle(request, context, parameters: try FormParameters.parse(request.uri.query ?? ""))
        }
        routes.post(RouterPath(Endpoint.endSession)) { request, context in
            try await handle(request, context, parameters: try await FormBody.read(request, context: context))
        }
    }

    func handle(_ request: Request, _ context: PermisoRequestContext, parameters: FormParameters) async throws -> Response {
        let snapshot = context.snapshot
        let logout = RPInitiatedLogout(context.flows)
        if let pendingText = parameters["logout_tx"] {
            return try await confirm(pendingText, request: request, logout, snapshot)
        }
        let validated = try await logout.validate(parameters)
        let session = try await flow.session(from: request, snapshot)
        switch RPInitiatedLogout.decide(validated, session: session) {
        case .signOut(let destination):
            return try await signOut(session, to: destination, answering: request, logout, snapshot)
        case .confirm(let destination):
            let username = session.flatMap { snapshot.deployment.config.user(subject: $0.subject)?.username }
            return try flow.boundForm(
                LogoutConfirmPage(username: username),
                request: request,
                snapshot,
                formTargets: .init(redirectURI: destination.redirect)
            ) {
                Pending(redirect: destination.redirect, state: destination.state, binding: LoginTransaction.bindingDigest($0))
            }
        }
    }

    private func confirm(
        _ text: String,
        request: Request,
        _ logout: RPInitiatedLogout,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws -> Response {
        guard let pending = flow.openBound(text, as: Pending.self, request, snapshot) else {
            throw OAuthError.invalidRequest("This sign-out form has expired or was opened in another browser.")
        }
        let session = try await flow.session(from: request, snapshot)
        return try await signOut(session, to: .init(redirect: pending.redirect, state: pending.state), answering: request, logout, snapshot)
    }

    private func signOut(
        _ session: LoginSession?,
        to destination: RPInitiatedLogout.Destination,
        answering request: Request,
        _ logout: RPInitiatedLogout,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws -> Response {
        let frames = session.map { FrontchannelLogout.frames(for: $0, config: snapshot.deployment.config) } ?? []
        if let session { try await flow.endSession(session, snapshot) }
        var location: String?
        if let redirect = destination.redirect {
            var parameters: [(String, String)] = []
            if let state = destination.state { parameters.append(("state", state)) }
            location = parameters.isEmpty ? redirect : AuthorizationFlow.redirectURL(redirect, parameters: parameters)
        }
        var response: Response
        if let location, frames.isEmpty {
            response = Response(
                status: BrowserFlow.redirectStatus(answering: request),
                headers: [.location: location, .cacheControl: "no-store"]
            )
        } else {
            // With front-channel logout the page loads the clients' frames before it goes on.
            response = flow.pages.render(
                SignedOutPage(frames: frames, next: location),
                branding: snapshot.deployment.config.branding,
                frames: frames
            )
        }
        response.setCookie(flow.cookie(BrowserFlow.sessionCookie, "", maxAge: 0, snapshot))
        return response
    }
}
