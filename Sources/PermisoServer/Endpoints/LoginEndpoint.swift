import Foundation
import Hummingbird
import PermisoCore

/// `POST /login`: checks the username and password, starts the session, and continues the
/// authorization request the form carried.
///
/// A failed login says so without telling whether the username exists, and takes as long
/// either way. Attempts are counted per username and per client address in the state store,
/// so parallel guesses on many instances share one budget.
struct LoginEndpoint {
    let flow: BrowserFlow
    static let attemptsPerWindow = 10
    static let window = 300
    /// A real hash to spend the same time on when the username is unknown.
    static let decoyHash = "$2b$10$LP78VhhA/tJLgnN/pwu1EupnpvQT7X444cvqjpaU4ajFDksztx1ES"

    func register(on router: Router<some RemoteAddressRequestContext>) {
        router.post("/login") { request, context in
            try await flow.page { try await handle(request, context: context) }
        }
    }

    func handle(_ request: Request, context: some RemoteAddressRequestContext) async throws -> Response {
        let snapshot = flow.live.snapshot
        let branding = snapshot.deployment.config.branding
        let parameters: FormParameters
        let transaction: LoginTransaction
        switch await flow.postedForm(request, snapshot) {
        case .success(let posted): (parameters, transaction) = posted
        case .failure(let rejection): return rejection.page
        }
        let username = parameters["username"] ?? ""
        let password = parameters["password"] ?? ""
        func retry(_ message: String) throws -> Response {
            try flow.form(
                "login",
                transaction.request,
                request: request,
                snapshot,
                context: ["username": username, "error": message],
                status: .unauthorized
            )
        }
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        do {
            let byUser = try await flow.live.store.increment("login-user:\(username.lowercased())", window: Self.window)
            let byAddress = try await flow.live.store.increment("login-addr:\(address)", window: Self.window)
            if byUser > Self.attemptsPerWindow || byAddress > Self.attemptsPerWindow * 5 {
                return try retry("Too many sign-in attempts. Wait a few minutes and try again.")
            }
        } catch {
            return flow.pages.error(
                .temporarilyUnavailable("Sign-in is unavailable right now; try again shortly."),
                branding: branding,
                status: .serviceUnavailable
            )
        }
        let user = snapshot.deployment.config.users.first { $0.username.lowercased() == username.lowercased() }
        let valid = PasswordHash.verify(password, against: user?.passwordHash ?? Self.decoyHash) && user != nil
        guard let user, valid else {
            return try retry("The username or password is incorrect.")
        }
        let previous = try await flow.session(from: request, snapshot)
        let session = LoginSession(
            subject: user.subject,
            authTime: flow.live.clock.now(),
            sessionID: RandomToken.make(),
            amr: ["pwd"],
            consents: previous?.subject == user.subject ? previous?.consents ?? [:] : [:]
        )
        // The user has just logged in: prompt=login and max_age are satisfied.
        return try await flow.resume(transaction.request, satisfying: .login, session: session, request: request, snapshot)
    }
}
