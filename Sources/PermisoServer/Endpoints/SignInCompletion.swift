import Hummingbird
import PermisoCore

/// What every sign-in form shares once it knows who signed in — the password, the code and
/// the passkey alike: continue with what the sign-in was for, or show the page that asks again.
struct SignInCompletion {
    let flow: BrowserFlow
    let device: DeviceEndpoint
    let account: AccountEndpoint

    /// On to the authorization request, the device's consent, or the account page.
    func signedIn(
        _ then: SignInContinuation,
        session: LoginSession,
        request: Request,
        _ context: PermisoRequestContext
    ) async throws -> Response {
        switch then {
        case .authorization(let authRequest):
            return try await flow.resume(authRequest, satisfying: .login, session: session, request: request, context.snapshot)
        case .device(let userCode):
            return try await device.signedIn(userCode: userCode, session: session, request: request, context)
        case .account:
            return try account.signedIn(session, context.snapshot)
        }
    }

    /// The sign-in page for `then` again, saying why.
    func signInPage(
        _ then: SignInContinuation,
        request: Request,
        _ context: PermisoRequestContext,
        error: String
    ) async throws -> Response {
        switch then {
        case .authorization(let authRequest):
            return try flow.loginForm(authRequest, request: request, context.snapshot, username: nil, error: error, status: .unauthorized)
        case .device(let userCode):
            return try await device.loginPage(userCode: userCode, request: request, context, error: error)
        case .account:
            return try account.loginPage(request: request, context.snapshot, error: error)
        }
    }
}
