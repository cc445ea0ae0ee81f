import Foundation
import Hummingbird
import Logging
import PermisoCore

/// `POST /login/passkey`: a passkey button's answer (`PasskeySignIn`), from a sign-in page
/// (no username: user verification required) or the second-factor page (that user's
/// passkeys only), then on to what the sign-in was for.
///
/// A refused passkey shows the page it came from again with one message for every reason;
/// the reason goes to the log, a counter regression as an error, since it may mean a clone.
struct PasskeyEndpoint {
    let flow: BrowserFlow
    let completion: SignInCompletion

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.post(RouterPath(Endpoint.loginPasskey)) { request, context in
            let (parameters, transaction) = try await flow.postedForm(request, context, as: PasskeyTransaction.self)
            let snapshot = context.snapshot
            var use = PasskeySignIn.Use.passwordless
            var user: UserConfig?
            if let subject = transaction.subject {
                user = try await flow.secondFactorUser(subject, stepUpOf: transaction.stepUpOf, request: request, snapshot)
                use = .secondFactor(subject: subject)
            }
            let now = flow.live.clock.now()
            let verdict: Result<UserConfig, PasskeySignIn.Refusal>
            let assertion = PasskeySignIn.Assertion(parameters)
            if let assertion {
                verdict = try await PasskeySignIn(context.flows).verify(
                    assertion,
                    for: use,
                    challenge: transaction.challengeBytes,
                    formExpires: now.addingTimeInterval(BrowserFlow.transactionLifetime),
                    now: now
                )
            } else {
                verdict = .failure(.rejected("the form did not carry an assertion"))
            }
            switch verdict {
            case .failure(let refusal):
                // Which listed credential it was, so a possible clone can be traced; never the
                // id a request merely claims, which is the requester's text.
                var metadata: Logger.Metadata = ["reason": "\(refusal.reason)"]
                if let assertion, let (owner, listed) = snapshot.deployment.config.passkey(id: assertion.credentialID) {
                    metadata["subject"] = "\(owner.subject)"
                    metadata["passkey"] = "\(listed.name)"
                }
                context.logger.log(level: refusal == .counterRegression ? .error : .notice, "passkey refused", metadata: metadata)
                if let user {
                    return try flow.secondFactorForm(
                        transaction.then,
                        user: user,
                        stepUpOf: transaction.stepUpOf,
                        request: request,
                        snapshot,
                        error: PasskeySignIn.Refusal.message
                    )
                }
                return try await completion.signInPage(transaction.then, request: request, context, error: PasskeySignIn.Refusal.message)
            case .success(let user):
                let session = try await flow.startSession(user, methods: use.methods, request: request, snapshot)
                return try await completion.signedIn(transaction.then, session: session, request: request, context)
            }
        }
    }
}
