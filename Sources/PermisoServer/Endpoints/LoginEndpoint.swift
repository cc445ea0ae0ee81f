import Foundation
import Hummingbird
import PermisoCore

/// `POST /login`: checks the password (`PasswordSignIn`); then, for a user with an
/// authenticator, asks for the code (`SecondFactorEndpoint`), else starts the session and
/// continues the authorization request the form carried.
struct LoginEndpoint {
    let flow: BrowserFlow

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.post(RouterPath(Endpoint.login)) { request, context in
            let (parameters, transaction) = try await flow.postedForm(request, context)
            let snapshot = context.snapshot
            switch try await flow.signIn(parameters, request, context) {
            case .failure(let refusal):
                return try flow.loginForm(
                    transaction.request,
                    request: request,
                    snapshot,
                    username: parameters["username"],
                    error: refusal.message,
                    status: .unauthorized
                )
            case .success(let user)
            where user.asksSecondFactor(
                for: AuthorizationFlow.requiredLevel(transaction.request, client: snapshot.deployment.config.client(id: transaction.request.clientID))
            ):
                return try flow.secondFactorForm(.authorization(transaction.request), user: user, request: request, snapshot)
            case .success(let user):
                let session = try await flow.startSession(user, request: request, snapshot)
                // The user has just logged in: prompt=login and max_age are satisfied.
                return try await flow.resume(transaction.request, satisfying: .login, session: session, request: request, snapshot)
            }
        }
    }
}
