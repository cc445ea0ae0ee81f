import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// `/demo/`: the example config's demo client, a web app that signs in with Permiso.
///
/// It exists so a newcomer can log in in a browser and see the result: it starts the code
/// flow with state, nonce and PKCE, exchanges the code through the same grant the token
/// endpoint runs, checks the ID token's signature, issuer and nonce, and shows its claims.
/// It is served only when the config has a client with id `demo`.
struct DemoEndpoint {
    let flow: BrowserFlow
    static let clientID = "demo"
    static let cookie = "permiso_demo"

    struct Pending: Codable {
        var state: String
        var nonce: String
        var verifier: String
    }

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        routes.get(RouterPath(Endpoint.demo)) { request, context in try await start(request, context) }
        routes.get(RouterPath(Endpoint.demoCallback)) { request, context in try await callback(request, context) }
    }

    func start(_ request: Request, _ context: PermisoRequestContext) async throws -> Response {
        let snapshot = context.snapshot
        guard let client = snapshot.deployment.config.client(id: Self.clientID), let redirect = client.redirectURIs.first else {
            throw HTTPError(.notFound)
        }
        let pending = Pending(state: RandomToken.make(), nonce: RandomToken.make(), verifier: RandomToken.make() + RandomToken.make())
        let challenge = Data(SHA256Bytes.of(pending.verifier)).base64URLEncodedString
        let scopes = client.scopes.joined(separator: " ")
        let parameters: [(String, String)] = [
            ("client_id", client.id), ("redirect_uri", redirect), ("response_type", "code"), ("scope", scopes),
            ("state", pending.state), ("nonce", pending.nonce), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        let authorize = snapshot.deployment.config.serviceURL.absoluteString + Endpoint.authorize
        var response = flow.pages.render(
            DemoPage(heading: "Permiso demo app", loginURL: AuthorizationFlow.redirectURL(authorize, parameters: parameters)),
            branding: snapshot.deployment.config.branding
        )
        let sealed = try snapshot.sealer.seal(pending, purpose: .demo, expiresAt: flow.live.clock.now().addingTimeInterval(600))
        response.setCookie(flow.cookie(Self.cookie, sealed, maxAge: 600, snapshot))
        return response
    }

    func callback(_ request: Request, _ context: PermisoRequestContext) async throws -> Response {
        let snapshot = context.snapshot
        let config = snapshot.deployment.config
        guard let client = config.client(id: Self.clientID), let redirect = client.redirectURIs.first else {
            throw HTTPError(.notFound)
        }
        func failure(_ message: String) -> Response {
            flow.pages.render(
                DemoPage(heading: "Sign-in failed", error: message),
                branding: config.branding,
                status: .badRequest
            )
        }
        let query = (try? FormParameters.parse(request.uri.query ?? "")) ?? FormParameters()
        guard let text = flow.cookieValue(Self.cookie, request, snapshot),
            let pending = try? snapshot.sealer.open(text, as: Pending.self, purpose: .demo, now: flow.live.clock.now()).payload,
            query["state"] == pending.state
        else { return failure("The state does not match this browser's sign-in; start again.") }
        // RFC 9207: the response must come from the issuer the demo talked to.
        guard query["iss"] == config.issuer.absoluteString else { return failure("The response came from another issuer.") }
        if let error = query["error"] { return failure("\(error): \(query["error_description"] ?? "")") }
        let tokens: TokenResponse
        do {
            tokens = try await AuthorizationCodeGrant.answer(
                client: client,
                parameters: FormParameters(["code": query["code"] ?? "", "redirect_uri": redirect, "code_verifier": pending.verifier]),
                context: context.flows,
                now: flow.live.clock.now()
            )
        } catch {
            return failure("\(error.code): \(error.description)")
        }
        guard let idToken = tokens.idToken, let claims = try? await snapshot.signer.verifyIDTokenHint(idToken),
            claims.nonce == pending.nonce, claims.aud == client.id
        else { return failure("The ID token did not verify.") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let pretty = String(decoding: try encoder.encode(claims), as: UTF8.self)
        let logout = AuthorizationFlow.redirectURL(
            config.serviceURL.absoluteString + Endpoint.endSession,
            parameters: [("id_token_hint", idToken)] + (client.postLogoutRedirectURIs.first.map { [("post_logout_redirect_uri", $0)] } ?? [])
        )
        var response = flow.pages.render(
            DemoPage(heading: "Signed in", subject: claims.sub, claims: pretty, logoutURL: logout),
            branding: config.branding
        )
        response.setCookie(flow.cookie(Self.cookie, "", maxAge: 0, snapshot))
        return response
    }
}
