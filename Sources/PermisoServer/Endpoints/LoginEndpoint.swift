import Foundation
import Hummingbird
import PermisoCore

/// `POST /login`: signs the user in (`PasswordSignIn`), starts the session, and continues
/// the authorization request the form carried.
struct LoginEndpoint {
    let flow: BrowserFlow

    func register(on router: Router<some RemoteAddressRequestContext>) {
        router.post(RouterPath(Endpoint.login)) { request, context in
            try await flow.page { try await handle(request, context: context) }
        }
    }

    func handle(_ request: Request, context: some RemoteAddressRequestContext) async throws -> Response {
        let snapshot = flow.live.snapshot
        let (parameters, transaction) = try await flow.postedForm(request, snapshot)
        let username = parameters["username"] ?? ""
        let verdict = try await flow.signIn(snapshot).verify(
            username: username,
            password: parameters["password"] ?? "",
            address: flow.address(request, context)
        )
        switch verdict {
        case .failure(let refusal):
            return try flow.form(
                "login",
                transaction.request,
                request: request,
                snapshot,
                context: ["username": username, "error": refusal.message],
                status: .unauthorized
            )
        case .success(let user):
            let session = try await flow.startSession(user, request: request, snapshot)
            // The user has just logged in: prompt=login and max_age are satisfied.
            return try await flow.resume(transaction.request, satisfying: .login, session: session, request: request, snapshot)
        }
    }
}
