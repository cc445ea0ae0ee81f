import Hummingbird
import PermisoCore

/// `POST /consent`: the user allows or denies the client's requested scopes.
struct ConsentEndpoint {
    let flow: BrowserFlow

    func register(on router: Router<some RequestContext>) {
        router.post(RouterPath(Endpoint.consent)) { request, _ in
            try await flow.page { try await handle(request) }
        }
    }

    func handle(_ request: Request) async throws -> Response {
        let snapshot = flow.live.snapshot
        let (parameters, transaction) = try await flow.postedForm(request, snapshot)
        guard var session = try await flow.session(from: request, snapshot) else {
            // Logged out meanwhile: start again from the login page.
            return try await flow.proceed(transaction.request, session: nil, request: request, snapshot)
        }
        let responder = AuthorizationFlow(deployment: snapshot.deployment, sealer: snapshot.sealer)
        guard parameters["decision"] == "allow" else {
            let target = transaction.request.responseTarget
            return flow.deliver(responder.errorParameters(.accessDenied("the user denied the request"), target: target), target, snapshot)
        }
        var granted = Set(session.consents[transaction.request.clientID] ?? [])
        granted.formUnion(transaction.request.scopes)
        session.consents[transaction.request.clientID] = granted.sorted()
        return try await flow.resume(transaction.request, satisfying: .consent, session: session, request: request, snapshot)
    }
}
