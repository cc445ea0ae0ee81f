import Hummingbird
import Logging
import PermisoCore

/// `POST /login/code`: the authenticator code after a right password (`TOTPSignIn`), or one of
/// the user's recovery codes (`RecoveryCodeSignIn`), then
/// on to what the sign-in was for (`SignInCompletion`). Passkeys as the second factor post to
/// `PasskeyEndpoint` instead.
///
/// The form's sealed transaction names the user whose password was right, so the code is
/// checked for that user only; without one (a login form's `tx`, an expired form, another
/// browser's), the request is refused like any unbound form.
struct SecondFactorEndpoint {
    let flow: BrowserFlow
    let completion: SignInCompletion

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.post(RouterPath(Endpoint.loginCode)) { request, context in
            let (parameters, transaction) = try await flow.postedForm(request, context, as: SecondFactorTransaction.self)
            let snapshot = context.snapshot
            let user = try await flow.secondFactorUser(transaction.subject, stepUpOf: transaction.stepUpOf, request: request, snapshot)
            // Its authenticator removed from the config since the password step.
            guard user.hasSecondFactor else {
                throw OAuthError.invalidRequest("This sign-in can no longer continue. Go back to the application and start again.")
            }
            let verdict: Result<Void, PasswordSignIn.Refusal>
            if let recoveryCode = parameters["recovery_code"] {
                let used = try await RecoveryCodeSignIn(context.flows).verify(user: user, code: recoveryCode, address: flow.address(request, context))
                if case .success(let position) = used {
                    // The owner should know, and issue new codes before they run out.
                    context.logger.notice(
                        "recovery code used",
                        metadata: ["subject": "\(user.subject)", "code": "\(position + 1) of \(user.recoveryCodes.count)"]
                    )
                }
                verdict = used.map { _ in () }
            } else {
                verdict = try await TOTPSignIn(context.flows).verify(
                    user: user,
                    code: parameters["code"] ?? "",
                    address: flow.address(request, context),
                    now: flow.live.clock.now()
                ).map { _ in () }
            }
            switch verdict {
            case .failure(let refusal):
                return try flow.secondFactorForm(
                    transaction.then,
                    user: user,
                    stepUpOf: transaction.stepUpOf,
                    request: request,
                    snapshot,
                    error: refusal.message
                )
            case .success:
                let session = try await flow.startSession(user, methods: TOTPSignIn.methods, request: request, snapshot)
                return try await completion.signedIn(transaction.then, session: session, request: request, context)
            }
        }
    }
}
