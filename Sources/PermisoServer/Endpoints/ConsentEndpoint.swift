import Hummingbird
import PermisoCore

/// `POST /consent`: the user allows or denies the client's requested scopes.
struct ConsentEndpoint {
    let flow: BrowserFlow

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.post(RouterPath(Endpoint.consent)) { request, context in
            let snapshot = context.snapshot
            let (parameters, transaction) = try await flow.postedForm(request, context)
            guard var session = try await flow.session(from: request, snapshot) else {
                // Logged out meanwhile: start again from the login page.
                return try await flow.proceed(transaction.request, session: nil, request: request, snapshot)
            }
            guard parameters["decision"] == "allow" else {
                let target = transaction.request.responseTarget
                let denied = snapshot.authorizationFlow.errorParameters(.accessDenied("the user denied the request"), target: target)
                return flow.deliver(denied, target, answering: request, snapshot)
            }
            var granted = Set(session.consents[transaction.request.clientID] ?? [])
            granted.formUnion(transaction.request.scopes)
            session.consents[transaction.request.clientID] = granted.sorted()
            return try await flow.resume(transaction.request, satisfying: .consent, session: session, request: request, snapshot)
        }
    }
}
