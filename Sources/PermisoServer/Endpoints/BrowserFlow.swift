import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// What the authorize, login and consent endpoints share: the session cookie, the
/// cookie-bound login transaction, and delivering the authorization response.
struct BrowserFlow: Sendable {
    let live: LiveDeployment
    let pages: PageRenderer
    var clientAddress = ClientAddress(trustedProxies: TrustedProxies())

    /// The browser's address, for throttling.
    func address(_ request: Request, _ context: some RemoteAddressRequestContext) -> String {
        clientAddress.of(request, peer: context.remoteAddress?.ipAddress)
    }

    /// How long a login or consent form stays usable.
    static let transactionLifetime: TimeInterval = 15 * 60

    /// The browser's login session, if its cookie opens and its session was not logged out or revoked.
    ///
    /// An unreachable store cannot say whether the session was logged out, so this throws
    /// `temporarily_unavailable` rather than guess either way.
    func session(from request: Request, _ snapshot: LiveDeployment.Snapshot) async throws(OAuthError) -> LoginSession? {
        guard let value = cookieValue(Self.sessionCookie, request, snapshot),
            let session = try? snapshot.sealer.open(value, as: LoginSession.self, purpose: .session, now: live.clock.now())
                .payload
        else { return nil }
        // A session logged out, or whose user an operator revoked since it began, is over.
        let presented = Revocations.Presented(
            subject: session.subject,
            clientID: nil,
            issuedAt: session.authTime,
            authTime: session.authTime,
            sessionID: session.sessionID
        )
        let refusal = try await withStateStore { try await live.state.revocations.refusal(for: presented) }
        return refusal == nil ? session : nil
    }

    /// Password sign-in with the username and password a login form posted, counted by
    /// this browser's address.
    func signIn(
        _ parameters: FormParameters,
        _ request: Request,
        _ context: PermisoRequestContext
    ) async throws(OAuthError) -> Result<UserConfig, PasswordSignIn.Refusal> {
        let result = try await PasswordSignIn(context.flows, verifier: live.passwordVerifier, decoyHash: context.snapshot.signInDecoy)
            .verify(
                username: parameters["username"] ?? "",
                password: parameters["password"] ?? "",
                address: address(request, context)
            )
        if case .failure(let refusal) = result { ServiceMetrics.signInRefused(refusal) }
        return result
    }

    /// A new session for `user`, signed in with `methods` (RFC 8176), keeping the browser's
    /// previous consents if they were the same user's.
    func startSession(
        _ user: UserConfig,
        methods: [String] = ["pwd"],
        request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws(OAuthError) -> LoginSession {
        let previous = try await session(from: request, snapshot)
        // Another user signing in on this browser ends the session it had, as a logout would.
        if let previous, previous.subject != user.subject { try await endSession(previous, snapshot) }
        return LoginSession.start(user, methods: methods, now: live.clock.now(), previous: previous)
    }

    /// Ends `session` everywhere: refused by every instance from now on (`SessionEnds`), and
    /// every client it recorded told over the back channel (`BackchannelLogout`), waiting at
    /// most `BackchannelDelivery.Policy.responseCap` for them.
    func endSession(_ session: LoginSession, _ snapshot: LiveDeployment.Snapshot) async throws(OAuthError) {
        try await RPInitiatedLogout(snapshot.flows).end(session, now: live.clock.now())
        let notices = try BackchannelLogout(snapshot.flows).notices(for: session, now: live.clock.now())
        await live.logoutDelivery.deliver(notices)
    }

    /// The second-factor form, for a user whose password was right and who has a second
    /// factor: the code field for an authenticator app, the passkey button for passkeys. The
    /// session starts only once one of them is right too.
    func secondFactorForm(
        _ then: SignInContinuation,
        user: UserConfig,
        stepUpOf: String? = nil,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        error: String? = nil
    ) throws -> Response {
        var targets = PageRenderer.FormTargets()
        if case .authorization(let authRequest) = then { targets = .init(redirectURI: authRequest.redirectURI) }
        return try boundForm(
            SecondFactorPage(username: user.username, asksCode: user.totp != nil, offersRecovery: !user.recoveryCodes.isEmpty, error: error),
            request: request,
            snapshot,
            status: error == nil ? .ok : .unauthorized,
            formTargets: targets,
            prepare: { page, binding in
                page.passkey = try passkeyPrompt(then, for: user, stepUpOf: stepUpOf, bindingCookie: binding, snapshot)
            },
            transaction: { SecondFactorTransaction(subject: user.subject, then: then, stepUpOf: stepUpOf, bindingCookie: $0) }
        )
    }

    /// The user a second-factor form names, while that form can still continue: the user is
    /// still in the config and, for a step-up, the browser still holds the session it
    /// strengthens (not one logged out since, nor another user's). Else `invalid_request`.
    func secondFactorUser(
        _ subject: String,
        stepUpOf: String?,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws(OAuthError) -> UserConfig {
        let gone = OAuthError.invalidRequest("This sign-in can no longer continue. Go back to the application and start again.")
        guard let user = snapshot.deployment.config.user(subject: subject) else { throw gone }
        if let stepped = stepUpOf {
            let current = try await session(from: request, snapshot)
            guard current?.sessionID == stepped, current?.subject == subject else { throw gone }
        }
        return user
    }

    /// A sign-in page's passkey button, when there is a passkey it could use: any listed
    /// one without a username, else `user`'s. A fresh challenge each time, sealed with what
    /// the sign-in is for and bound to this browser (`PasskeyTransaction`).
    func passkeyPrompt(
        _ then: SignInContinuation,
        for user: UserConfig? = nil,
        stepUpOf: String? = nil,
        bindingCookie: String,
        _ snapshot: LiveDeployment.Snapshot
    ) throws -> PasskeyPrompt? {
        let config = snapshot.deployment.config
        guard user.map({ !$0.passkeys.isEmpty }) ?? config.hasPasskeys else { return nil }
        let challenge = PasskeyTransaction.newChallenge()
        let transaction = PasskeyTransaction(
            then: then,
            challenge: challenge,
            subject: user?.subject,
            stepUpOf: stepUpOf,
            bindingCookie: bindingCookie
        )
        return PasskeyPrompt(
            tx: try snapshot.sealer.seal(
                transaction,
                purpose: PasskeyTransaction.purpose,
                expiresAt: live.clock.now().addingTimeInterval(Self.transactionLifetime)
            ),
            challenge: transaction.challenge,
            rpID: config.relyingParty.id,
            allow: PasskeyPrompt.allowList(user?.passkeys ?? []),
            userVerification: user == nil ? "required" : "preferred",
            label: user == nil ? "Sign in with a passkey" : "Use a passkey"
        )
    }

    /// Continues a validated request: login page, consent page, or the response with a code or an error.
    func proceed(
        _ authRequest: AuthorizationRequest,
        session: LoginSession?,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        extraCookies: [Cookie] = [],
        consented: Bool = false
    ) async throws -> Response {
        let flow = snapshot.authorizationFlow
        var response: Response
        /// The session with the client recorded, when that changed it: the cookie to set.
        var recorded: LoginSession?
        switch flow.decide(authRequest, session: session, now: live.clock.now(), consented: consented) {
        case .login:
            response = try loginForm(authRequest, request: request, snapshot, username: authRequest.loginHint)
        case .consent:
            response = try consentPage(authRequest, session: session!, request: request, snapshot)
        case .stepUp(let session):
            // `decide` asks for a step-up only for a user who has a second factor.
            let user = snapshot.deployment.config.user(subject: session.subject)!
            response = try secondFactorForm(.authorization(authRequest), user: user, stepUpOf: session.sessionID, request: request, snapshot)
        case .issueCode(var session):
            // A client that gets an ID token in this session is told when it ends.
            if authRequest.scopes.contains("openid"), let client = snapshot.deployment.config.client(id: authRequest.clientID),
                let updated = session.recording(client)
            {
                session = updated
                recorded = updated
            }
            let code = try flow.issueCode(authRequest, session: session, now: live.clock.now())
            let parameters = flow.responseParameters([("code", code)], target: authRequest.responseTarget)
            response = deliver(parameters, authRequest.responseTarget, answering: request, snapshot)
        case .fail(let error):
            response = deliver(
                flow.errorParameters(error, target: authRequest.responseTarget),
                authRequest.responseTarget,
                answering: request,
                snapshot
            )
        }
        let sessionName = cookieName(Self.sessionCookie, snapshot)
        for cookie in extraCookies where recorded == nil || cookie.name != sessionName { response.setCookie(cookie) }
        if let recorded { response.setCookie(try sessionCookie(recorded, snapshot)) }
        return response
    }

    /// 303 See Other after a POST (RFC 9700 §4.12), else 302 Found (RFC 6749 §4.1.2).
    static func redirectStatus(answering request: Request) -> HTTPResponse.Status {
        request.method == .post ? .seeOther : .found
    }

    /// Continues a request after the login or consent form answered its `prompt`, saving the
    /// changed session in its cookie.
    func resume(
        _ authRequest: AuthorizationRequest,
        satisfying prompt: AuthorizationRequest.Prompt,
        session: LoginSession,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws -> Response {
        var next = authRequest
        next.prompt.remove(prompt)
        if prompt == .login {
            // Whoever just logged in answers the request, whatever user the hint named; and a
            // sign-in this moment satisfies any max_age, max_age=0 included (OIDC Core §3.1.2.1).
            next.hintSubject = nil
            next.maxAge = nil
        }
        return try await proceed(
            next,
            session: session,
            request: request,
            snapshot,
            extraCookies: [try sessionCookie(session, snapshot)],
            consented: prompt == .consent
        )
    }

    /// The authorization response: a redirect to the redirect URI, or a self-submitting form
    /// (form_post). Answering a POST, the redirect is a 303 (RFC 9700 §4.12): with 307 the
    /// browser would post the form, password and all, to the client, and some repeat a POST
    /// on 302; 303 always makes the next request a GET.
    func deliver(
        _ parameters: [(String, String)],
        _ target: AuthorizationResponseTarget,
        answering request: Request,
        _ snapshot: LiveDeployment.Snapshot
    )
        -> Response
    {
        switch target.responseMode {
        case .query:
            return Response(
                status: Self.redirectStatus(answering: request),
                headers: [.location: AuthorizationFlow.redirectURL(target.redirectURI, parameters: parameters), .cacheControl: "no-store"]
            )
        case .formPost:
            let nonce = RandomToken.make()
            return pages.render(
                FormPostPage(action: target.redirectURI, nonce: nonce, fields: parameters.map { .init(name: $0.0, value: $0.1) }),
                branding: snapshot.deployment.config.branding,
                formTargets: .init(redirectURI: target.redirectURI),
                scriptNonce: nonce
            )
        }
    }

    /// The authorization flow's login form, carrying the sealed request.
    func loginForm(
        _ authRequest: AuthorizationRequest,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        username: String?,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let page = LoginPage(clientName: clientName(authRequest, snapshot), action: Endpoint.login, username: username, error: error)
        return try boundForm(
            page,
            request: request,
            snapshot,
            status: status,
            formTargets: .init(redirectURI: authRequest.redirectURI),
            prepare: { page, binding in page.passkey = try passkeyPrompt(.authorization(authRequest), bindingCookie: binding, snapshot) },
            transaction: { LoginTransaction(request: authRequest, bindingCookie: $0) }
        )
    }

    /// A login or consent form carrying the sealed request, bound to this browser's binding cookie.
    private func authorizationForm<Page: FormPageContext>(
        _ page: Page,
        _ authRequest: AuthorizationRequest,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        try boundForm(page, request: request, snapshot, status: status, formTargets: .init(redirectURI: authRequest.redirectURI)) {
            LoginTransaction(request: authRequest, bindingCookie: $0)
        }
    }

    private func clientName(_ authRequest: AuthorizationRequest, _ snapshot: LiveDeployment.Snapshot) -> String {
        snapshot.deployment.config.client(id: authRequest.clientID)?.name ?? authRequest.clientID
    }

    /// Renders a form whose sealed `tx` field only opens with this browser's binding cookie
    /// (minted here if the browser has none that Permiso issued). `prepare` adds what else
    /// the page binds to the same cookie, such as a passkey button's own sealed form.
    func boundForm<Page: FormPageContext, Transaction: BoundTransaction>(
        _ page: Page,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot,
        status: HTTPResponse.Status = .ok,
        formTargets: PageRenderer.FormTargets = .init(),
        prepare: (inout Page, _ bindingCookie: String) throws -> Void = { _, _ in },
        transaction: (_ bindingCookie: String) -> Transaction
    ) throws -> Response {
        let binding = try self.binding(request, snapshot)
        let tx = try snapshot.sealer.seal(
            transaction(binding.value),
            purpose: Transaction.purpose,
            expiresAt: live.clock.now().addingTimeInterval(Self.transactionLifetime)
        )
        var page = page
        page.tx = tx
        try prepare(&page, binding.value)
        var response = pages.render(
            page,
            branding: snapshot.deployment.config.branding,
            status: status,
            formTargets: formTargets
        )
        response.setCookie(cookie(Self.bindingCookie, binding.value, maxAge: binding.maxAge, snapshot))
        return response
    }

    func consentPage(
        _ authRequest: AuthorizationRequest,
        session: LoginSession,
        request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) throws -> Response {
        var page = consent(authRequest.scopes, session, snapshot, clientName: clientName(authRequest, snapshot), action: Endpoint.consent)
        // RFC 8707: the user sees which APIs the tokens will reach, by the names the config gives them.
        let config = snapshot.deployment.config
        let apis = (authRequest.resources ?? []).compactMap(config.resource(id:)).map { ConsentPage.API(name: $0.name, id: $0.id) }
        page.apis = apis.isEmpty ? nil : .init(items: apis)
        return try authorizationForm(page, authRequest, request: request, snapshot)
    }

    /// A consent page for `scopes` and the session's user, shared by both flows.
    func consent(
        _ scopes: [String],
        _ session: LoginSession,
        _ snapshot: LiveDeployment.Snapshot,
        clientName: String,
        action: String,
        userCode: String? = nil
    ) -> ConsentPage {
        let config = snapshot.deployment.config
        return ConsentPage(
            clientName: clientName,
            action: action,
            username: config.user(subject: session.subject)?.username ?? session.subject,
            scopes: scopes.compactMap(config.scope(named:)).map { .init(name: $0.name, description: $0.description) },
            userCode: userCode
        )
    }

    /// Reads a posted form and opens its transaction. A missing or foreign binding cookie,
    /// a tampered or expired form, or a malformed body throws `invalid_request`, which
    /// `PageMiddleware` shows as an error page (CSRF protection).
    func postedForm<Transaction: BoundTransaction>(
        _ request: Request,
        _ context: PermisoRequestContext,
        as type: Transaction.Type = LoginTransaction.self
    ) async throws -> (parameters: FormParameters, transaction: Transaction) {
        let parameters = try await FormBody.read(request, context: context)
        guard let transaction = openBound(parameters["tx"], as: type, request, context.snapshot) else {
            throw OAuthError.invalidRequest(
                "This form has expired or was opened in another browser. Go back to the application and start again."
            )
        }
        return (parameters, transaction)
    }

    /// Opens a sealed transaction from a form, only if it is unexpired, of this kind, and bound
    /// to this browser's binding cookie, which Permiso itself must have issued.
    func openBound<Transaction: BoundTransaction>(
        _ sealed: String?,
        as type: Transaction.Type,
        _ request: Request,
        _ snapshot: LiveDeployment.Snapshot
    ) -> Transaction? {
        guard let sealed,
            let transaction = try? snapshot.sealer.open(sealed, as: type, purpose: Transaction.purpose, now: live.clock.now()).payload,
            let cookie = authenticBinding(request, snapshot), transaction.isBound(to: cookie)
        else { return nil }
        return transaction
    }
}
