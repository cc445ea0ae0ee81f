import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PermisoCore

/// `/account/passkeys`: a signed-in user adds a passkey (`PasskeyEnrollment`). The page asks
/// for a recent sign-in with every factor the user has (`PasskeyEnrollment.admits`), signing
/// in again through `/account/login` when needed; a verified credential is shown as the
/// config entry to add, and nothing is stored.
struct AccountEndpoint {
    let flow: BrowserFlow

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.accountPasskeys)) { request, context in
            let snapshot = context.snapshot
            guard let (session, user) = try await admittedSession(request, snapshot) else {
                return try loginPage(request: request, snapshot)
            }
            return try passkeysPage(user, session: session, request: request, snapshot)
        }
        routes.post(RouterPath(Endpoint.accountLogin)) { request, context in
            let snapshot = context.snapshot
            let (parameters, _) = try await flow.postedForm(request, context, as: AccountTransaction.self)
            switch try await flow.signIn(parameters, request, context) {
            case .failure(let refusal):
                return try loginPage(request: request, snapshot, username: parameters["username"], error: refusal.message)
            case .success(let user) where user.hasSecondFactor:
                return try flow.secondFactorForm(.account, user: user, request: request, snapshot)
            case .success(let user):
                return try signedIn(try await flow.startSession(user, request: request, snapshot), snapshot)
            }
        }
        routes.post(RouterPath(Endpoint.accountPasskeys)) { request, context in
            try await enroll(request, context)
        }
    }

    /// The browser's session, if it may add a passkey now.
    private func admittedSession(
        _ request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws(OAuthError) -> (LoginSession, UserConfig)? {
        guard let session = try await flow.session(from: request, snapshot),
            let user = snapshot.deployment.config.user(subject: session.subject),
            PasskeyEnrollment.admits(session, user: user, now: flow.live.clock.now())
        else { return nil }
        return (session, user)
    }

    private func enroll(_ request: Request, _ context: PermisoRequestContext) async throws -> Response {
        let snapshot = context.snapshot
        let (parameters, transaction) = try await flow.postedForm(request, context, as: PasskeyEnrollmentTransaction.self)
        guard let (session, user) = try await admittedSession(request, snapshot), session.sessionID == transaction.sessionID,
            session.subject == transaction.subject
        else {
            throw OAuthError.invalidRequest("This form belongs to another sign-in. Open the passkeys page again.")
        }
        func bytes(_ name: String) -> [UInt8]? { parameters[name].flatMap { Data(base64URLEncoded: $0) }.map(Array.init) }
        let now = flow.live.clock.now()
        let verdict: Result<PasskeyConfig, PasskeySignIn.Refusal>
        if let clientData = bytes("client_data"), let attestation = bytes("attestation_object") {
            verdict = try await PasskeyEnrollment(context.flows).verify(
                clientDataJSON: clientData,
                attestationObject: attestation,
                transports: parameters["transports"] ?? "",
                name: parameters["name"] ?? "",
                challenge: transaction.challengeBytes,
                formExpires: now.addingTimeInterval(BrowserFlow.transactionLifetime),
                now: now
            )
        } else {
            verdict = .failure(.rejected("the form did not carry a new credential"))
        }
        switch verdict {
        case .failure(let refusal):
            context.logger.notice("new passkey refused", metadata: ["reason": "\(refusal.reason)"])
            return try passkeysPage(
                user,
                session: session,
                request: request,
                snapshot,
                error: "This passkey could not be verified, so it cannot be added. Try again."
            )
        case .success(let passkey):
            let page = PasskeyAddedPage(
                username: user.username,
                entry: PasskeyEnrollment.configEntry(passkey, signedInWith: session.amr),
                passwordOnly: !user.hasSecondFactor
            )
            return flow.pages.render(page, branding: snapshot.deployment.config.branding)
        }
    }

    /// After the account page's sign-in: back to it, now with a fresh session.
    func signedIn(_ session: LoginSession, _ snapshot: LiveDeployment.Snapshot) throws -> Response {
        var response = Response(status: .seeOther, headers: [.location: Endpoint.accountPasskeys, .cacheControl: "no-store"])
        response.setCookie(try flow.sessionCookie(session, snapshot))
        return response
    }

    /// The account page's sign-in: password (then the second factor), or a passkey.
    func loginPage(
        request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        username: String? = nil,
        error: String? = nil
    ) throws -> Response {
        let page = LoginPage(clientName: "your passkeys", action: Endpoint.accountLogin, username: username, error: error)
        return try flow.boundForm(
            page,
            request: request,
            snapshot,
            status: error == nil ? .ok : .unauthorized,
            prepare: { page, binding in page.passkey = try flow.passkeyPrompt(.account, bindingCookie: binding, snapshot) },
            transaction: { AccountTransaction(bindingCookie: $0) }
        )
    }

    private func passkeysPage(
        _ user: UserConfig,
        session: LoginSession,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        error: String? = nil
    ) throws -> Response {
        let config = snapshot.deployment.config
        let challenge = PasskeyTransaction.newChallenge()
        var displayName = user.username
        if case .string(let name)? = user.claims["name"], !name.isEmpty { displayName = name }
        var page = AccountPasskeysPage(
            username: user.username,
            passkeys: user.passkeys.map { .init(name: $0.name, algorithm: $0.publicKey.algorithm.rawValue, created: $0.created) },
            error: error,
            rpID: config.relyingParty.id,
            rpName: config.branding.name,
            userID: Data(WebAuthnRelyingParty.userHandle(subject: user.subject)).base64URLEncodedString,
            displayName: displayName,
            exclude: PasskeyPrompt.allowList(user.passkeys)
        )
        page.challenge = Data(challenge).base64URLEncodedString
        return try flow.boundForm(page, request: request, snapshot, status: error == nil ? .ok : .badRequest) {
            PasskeyEnrollmentTransaction(subject: user.subject, sessionID: session.sessionID, challenge: challenge, bindingCookie: $0)
        }
    }
}
