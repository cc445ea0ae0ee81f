import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// `/device`: where a person types the code their device shows (RFC 8628 §3.3), signs in
/// or reuses their session, and approves or denies the device.
///
/// The device is always confirmed, even for first-party clients and remembered consents:
/// RFC 8628 §5.4 warns that a user code can be relayed by an attacker, so the page shows
/// the code and asks. The login and consent forms carry the user code sealed and bound to
/// the browser's cookie, as the authorization flow's forms do (CSRF).
struct DeviceEndpoint {
    let flow: BrowserFlow

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.deviceVerification)) { request, context in entryPage(request, context.snapshot) }
        routes.post(RouterPath(Endpoint.deviceVerification)) { request, context in try await enter(request, context) }
        routes.post(RouterPath(Endpoint.deviceLogin)) { request, context in try await login(request, context) }
        routes.post(RouterPath(Endpoint.deviceConsent)) { request, context in try await consent(request, context) }
    }

    /// The code form, prefilled from `verification_uri_complete`.
    func entryPage(
        _ request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        typed: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let typed = typed ?? (try? FormParameters.parse(request.uri.query ?? ""))?["user_code"] ?? ""
        let shown = UserCode.normalize(typed).map(UserCode.display) ?? String(typed.prefix(20))
        let page = DevicePage(userCode: shown.nonEmpty, error: error)
        return flow.pages.render(page, branding: snapshot.deployment.config.branding, status: status)
    }

    func enter(_ request: Request, _ context: PermisoRequestContext) async throws -> Response {
        let snapshot = context.snapshot
        let typed = try await FormBody.read(request, context: context)["user_code"] ?? ""
        switch try await DeviceVerification(context.flows).lookup(typed, address: flow.address(request, context)) {
        case .failure(let problem):
            if case .throttled = problem { ServiceMetrics.throttleRefused("user_code") }
            let (message, status): (String, HTTPResponse.Status) =
                switch problem {
                case .malformed: ("Enter the 8-letter code your device shows, like BCDF-GHJK.", .badRequest)
                case .unknown: ("That code is not valid, has expired or was already used. Check the code on your device.", .badRequest)
                case .throttled: ("Too many attempts. Wait a few minutes and try again.", .tooManyRequests)
                }
            return entryPage(request, snapshot, typed: typed, error: message, status: status)
        case .success(let pending):
            guard let session = try await flow.session(from: request, snapshot) else {
                return try loginPage(pending, request: request, snapshot)
            }
            if let stepUp = try stepUp(pending, session: session, request: request, snapshot) { return stepUp }
            return try consentPage(pending, session: session, request: request, snapshot)
        }
    }

    /// Where the client (`requireMFA`) or the user's policy (`mfa: required`) needs a second
    /// factor, a password-only session is asked for one before the device is shown; a user
    /// without one cannot approve it.
    private func stepUp(
        _ pending: DeviceVerification.Pending,
        session: LoginSession,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) throws -> Response? {
        let user = snapshot.deployment.config.user(subject: session.subject)
        guard AuthenticationLevel(amr: session.amr) < AuthorizationFlow.enforcedLevel(client: pending.client, user: user) else { return nil }
        guard let user, user.hasSecondFactor else {
            return done(
                "A second factor is needed",
                "\(pending.client.name) needs a second factor, and none is set up for your account.",
                snapshot,
                status: .forbidden
            )
        }
        return try flow.secondFactorForm(.device(userCode: pending.userCode), user: user, stepUpOf: session.sessionID, request: request, snapshot)
    }

    func login(_ request: Request, _ context: PermisoRequestContext) async throws -> Response {
        let snapshot = context.snapshot
        let (parameters, transaction) = try await flow.postedForm(request, context, as: DeviceTransaction.self)
        guard let pending = try await pending(transaction.userCode, context) else { return gone(snapshot) }
        switch try await flow.signIn(parameters, request, context) {
        case .failure(let refusal):
            return try loginPage(pending, request: request, snapshot, username: parameters["username"], error: refusal.message)
        case .success(let user) where user.asksSecondFactor(for: AuthorizationFlow.enforcedLevel(client: pending.client, user: user)):
            return try flow.secondFactorForm(.device(userCode: pending.userCode), user: user, request: request, snapshot)
        case .success(let user):
            let session = try await flow.startSession(user, request: request, snapshot)
            return try signedIn(pending, session: session, request: request, snapshot)
        }
    }

    /// After the second factor: the device's consent, if its code is still pending.
    func signedIn(userCode: String, session: LoginSession, request: Request, _ context: PermisoRequestContext) async throws -> Response {
        guard let pending = try await pending(userCode, context) else { return gone(context.snapshot) }
        return try signedIn(pending, session: session, request: request, context.snapshot)
    }

    /// The consent page for a session just started, with its cookie.
    private func signedIn(
        _ pending: DeviceVerification.Pending,
        session: LoginSession,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) throws -> Response {
        if let stepUp = try stepUp(pending, session: session, request: request, snapshot) { return stepUp }
        var response = try consentPage(pending, session: session, request: request, snapshot)
        response.setCookie(try flow.sessionCookie(session, snapshot))
        return response
    }

    func consent(_ request: Request, _ context: PermisoRequestContext) async throws -> Response {
        let snapshot = context.snapshot
        let (parameters, transaction) = try await flow.postedForm(request, context, as: DeviceTransaction.self)
        guard let pending = try await pending(transaction.userCode, context) else { return gone(snapshot) }
        guard let session = try await flow.session(from: request, snapshot) else {
            // Signed out meanwhile: sign in again, then confirm.
            return try loginPage(pending, request: request, snapshot)
        }
        if let stepUp = try stepUp(pending, session: session, request: request, snapshot) { return stepUp }
        let approve = parameters["decision"] == "allow"
        guard try await DeviceVerification(context.flows).decide(pending, approve: approve, session: session) else {
            return gone(snapshot)
        }
        let name = pending.client.name
        var response = done(
            approve ? "Device connected" : "Access denied",
            approve
                ? "\(name) is signed in on your device. You can close this window."
                : "\(name) was not given access. You can close this window.",
            snapshot
        )
        // The device's client gets an ID token in this session: it is told when the session ends.
        if approve, pending.record.scopes.contains("openid"), let recorded = session.recording(pending.client) {
            response.setCookie(try flow.sessionCookie(recorded, snapshot))
        }
        return response
    }

    private func pending(_ userCode: String, _ context: PermisoRequestContext) async throws(OAuthError) -> DeviceVerification.Pending? {
        try await withStateStore { try await DeviceVerification(context.flows).pending(userCode) }
    }

    /// The device login page for a user code still pending, after a refused passkey.
    func loginPage(userCode: String, request: Request, _ context: PermisoRequestContext, error: String) async throws -> Response {
        guard let pending = try await pending(userCode, context) else { return gone(context.snapshot) }
        return try loginPage(pending, request: request, context.snapshot, error: error)
    }

    private func loginPage(
        _ pending: DeviceVerification.Pending,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        username: String? = nil,
        error: String? = nil
    ) throws -> Response {
        let page = LoginPage(clientName: pending.client.name, action: Endpoint.deviceLogin, username: username, error: error)
        return try flow.boundForm(
            page,
            request: request,
            snapshot,
            status: error == nil ? .ok : .unauthorized,
            prepare: { page, binding in
                page.passkey = try flow.passkeyPrompt(.device(userCode: pending.userCode), bindingCookie: binding, snapshot)
            },
            transaction: { DeviceTransaction(userCode: pending.userCode, bindingCookie: $0) }
        )
    }

    private func consentPage(
        _ pending: DeviceVerification.Pending,
        session: LoginSession,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) throws -> Response {
        let page = flow.consent(
            pending.record.scopes,
            session,
            snapshot,
            clientName: pending.client.name,
            action: Endpoint.deviceConsent,
            userCode: UserCode.display(pending.userCode)
        )
        return try flow.boundForm(page, request: request, snapshot) {
            DeviceTransaction(userCode: pending.userCode, bindingCookie: $0)
        }
    }

    private func gone(_ snapshot: LiveDeployment.Snapshot) -> Response {
        done(
            "This code can no longer be used",
            "It has expired or was already answered. Start again on your device to get a new code.",
            snapshot,
            status: .badRequest
        )
    }

    private func done(
        _ heading: String,
        _ message: String,
        _ snapshot: LiveDeployment.Snapshot,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        flow.pages.render(DeviceDonePage(heading: heading, message: message), branding: snapshot.deployment.config.branding, status: status)
    }
}
