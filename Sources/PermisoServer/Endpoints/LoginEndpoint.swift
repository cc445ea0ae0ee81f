import Foundation
import Hummingbird
import PermisoCore

/// `POST /login`: signs the user in (`PasswordSignIn`), starts the session, and continues
/// the authorization request the form carried.
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
            case .success(let user):
                let session = try await flow.startSession(user, request: request, snapshot)
                // The user has just logged in: prompt=login and max_age are satisfied.
                return try await flow.resume(transaction.request, satisfying: .login, session: session, request: request, snapshot)
            }
        }
    }
}
