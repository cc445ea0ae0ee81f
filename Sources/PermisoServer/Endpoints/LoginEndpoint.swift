import Foundation
import Hummingbird
import PermisoCore

/// `POST /login`: checks the username and password, starts the session, and continues the
/// authorization request the form carried.
///
/// A failed login says so without telling whether the username exists, and takes as long
/// either way. Attempts are counted per username and per client address in the state store
/// before the password is checked, so parallel guesses on many instances share one budget;
/// a successful attempt is given back, so only failures stay counted.
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
        let (parameters, transaction) = try await flow.postedForm(request, snapshot)
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
        let address = flow.address(request, context)
        let user: UserConfig
        switch try await Self.verify(username: username, password: password, address: address, flow: flow, snapshot) {
        case .success(let verified): user = verified
        case .failure(let refusal): return try retry(refusal.message)
        }
        let session = try await Self.startSession(user, request: request, flow: flow, snapshot)
        // The user has just logged in: prompt=login and max_age are satisfied.
        return try await flow.resume(transaction.request, satisfying: .login, session: session, request: request, snapshot)
    }

    /// Why a login was refused, in words for the form.
    struct Refusal: Error {
        var message: String
    }

    /// Checks a username and password, counting the attempt per username and per client
    /// address first. Shared by the login form and the device-verification login.
    static func verify(
        username: String,
        password: String,
        address: String,
        flow: BrowserFlow,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws(OAuthError) -> Result<UserConfig, Refusal> {
        let store = flow.live.store
        let counters = ["login-user:\(username.lowercased())", "login-addr:\(address)"]
        let limited = try await withStateStore {
            let byUser = try await store.increment(counters[0], window: window)
            let byAddress = try await store.increment(counters[1], window: window)
            return byUser > attemptsPerWindow || byAddress > attemptsPerWindow * 5
        }
        if limited { return .failure(Refusal(message: "Too many sign-in attempts. Wait a few minutes and try again.")) }
        let user = snapshot.deployment.config.user(username: username)
        let valid = await flow.live.passwordVerifier.verify(password, against: user?.passwordHash ?? decoyHash) && user != nil
        guard let user, valid else { return .failure(Refusal(message: "The username or password is incorrect.")) }
        // Only failures stay counted: a user signing in to many apps is not throttled.
        // (If the store fails here, the attempt merely stays counted.)
        for counter in counters { try? await store.decrement(counter) }
        return .success(user)
    }

    /// A new session for `user`, keeping the consents of the browser's previous session if
    /// it was the same user's.
    static func startSession(
        _ user: UserConfig,
        request: Request,
        flow: BrowserFlow,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws(OAuthError) -> LoginSession {
        let previous = try await flow.session(from: request, snapshot)
        return LoginSession(
            subject: user.subject,
            authTime: flow.live.clock.now(),
            sessionID: RandomToken.make(),
            amr: ["pwd"],
            consents: previous?.subject == user.subject ? previous?.consents ?? [:] : [:]
        )
    }
}
