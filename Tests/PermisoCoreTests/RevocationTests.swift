import Foundation
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoCore

/// Revocation in all its forms — RFC 7009 at the revocation endpoint, operator epochs,
/// ended sessions, disabled entries — and introspection (RFC 7662), which must see each of
/// them, driven through Core's flows on the example config and an injected clock.
@Suite("Revocation and introspection")
struct RevocationTests {
    static let issuer = "http://127.0.0.1:8080"
    let clock = TestClock()

    struct Harness {
        var context: FlowContext
        var store: any StateStore
        var config: PermisoConfig { context.config }
        func client(_ id: String) throws -> ClientConfig { try #require(config.client(id: id)) }
    }

    func harness(store: (any StateStore)? = nil, edit: (inout PermisoConfig) -> Void = { _ in }) async throws -> Harness {
        var deployment = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:])
        edit(&deployment.config)
        let signer = try await TokenSigner(keys: deployment.keys, issuer: Self.issuer)
        let sealer = try #require(Sealer(keys: deployment.keys, issuer: Self.issuer))
        let store = store ?? MemoryStateStore(clock: clock)
        let issuer = TokenIssuer(deployment: deployment, signer: signer, sealer: sealer)
        return Harness(context: FlowContext(issuer: issuer, state: ProtocolState(store: store)), store: store)
    }

    /// alice's tokens for `demo`, as a code redemption issues them; signed in `signedInAgo` seconds ago.
    func tokens(_ h: Harness, signedInAgo: TimeInterval = 5, session: String = "sid-1") async throws -> TokenResponse {
        let code = AuthorizationCode(
            clientID: "demo",
            redirectURI: nil,
            subject: "alice",
            scopes: ["openid", "email", "offline_access"],
            nonce: nil,
            codeChallenge: nil,
            authTime: clock.now().addingTimeInterval(-signedInAgo),
            sessionID: session,
            amr: ["pwd"],
            issuedAt: clock.now()
        )
        let sealed = try h.context.issuer.sealer.seal(code, purpose: .code, expiresAt: clock.now().addingTimeInterval(60))
        return try await AuthorizationCodeGrant.answer(
            client: try h.client("demo"),
            parameters: FormParameters(["grant_type": "authorization_code", "code": sealed]),
            context: h.context,
            now: clock.now()
        )
    }

    func refresh(_ h: Harness, _ token: String) async throws(OAuthError) -> TokenResponse {
        let demo = h.config.client(id: "demo")!
        return try await RefreshTokenGrant.answer(
            client: demo,
            parameters: FormParameters(["grant_type": "refresh_token", "refresh_token": token]),
            context: h.context,
            now: clock.now()
        )
    }

    func introspect(_ h: Harness, _ token: String?, as caller: String = "api") async throws(OAuthError) -> IntrospectionResponse {
        try await TokenIntrospection(h.context).answer(token: token, caller: h.config.client(id: caller)!, now: clock.now())
    }

    func userinfo(_ h: Harness, _ token: String) async -> OAuthError? {
        do {
            _ = try await UserinfoRequest(h.context).claims(accessToken: token, now: clock.now())
            return nil
        } catch {
            return error.error
        }
    }

    func revoke(_ h: Harness, _ token: String?, as client: String = "demo") async throws(OAuthError) {
        try await TokenRevocation(h.context).revoke(token: token, client: h.config.client(id: client)!, now: clock.now())
    }

    func clientCredentials(_ h: Harness) async throws -> String {
        try await ClientCredentialsGrant(h.context).issue(to: try h.client("service"), parameters: FormParameters(), now: clock.now())
            .accessToken
    }

    // MARK: - Introspection

    @Test("An active access token is described with RFC 7662's members; a refresh token too")
    func introspectActive() async throws {
        let h = try await harness()
        let issued = try await tokens(h)
        let access = try await introspect(h, issued.accessToken)
        let claims = try await h.context.issuer.signer.verifyAccessToken(issued.accessToken, now: clock.now())
        #expect(
            access
                == IntrospectionResponse(
                    active: true,
                    scope: "openid email offline_access",
                    clientID: "demo",
                    username: "alice",
                    tokenType: "Bearer",
                    exp: Int(clock.now().timeIntervalSince1970) + 600,
                    iat: Int(clock.now().timeIntervalSince1970),
                    sub: "alice",
                    aud: [Self.issuer],
                    iss: Self.issuer,
                    jti: claims.tokenID
                )
        )
        let json = String(decoding: access.compactJSON, as: UTF8.self)
        #expect(json.hasPrefix(#"{"active":true,"aud":"http://127.0.0.1:8080","client_id":"demo","exp":"#))
        let refresh = try await introspect(h, issued.refreshToken!)
        #expect(refresh.active && refresh.tokenType == nil && refresh.clientID == "demo" && refresh.sub == "alice")
        #expect(refresh.exp == Int(clock.now().timeIntervalSince1970) + 30 * 86_400 && refresh.iat == Int(clock.now().timeIntervalSince1970))
        // A client_credentials token has no user, so no username.
        let service = try await introspect(h, try await clientCredentials(h))
        #expect(service.active && service.sub == "service" && service.username == nil && service.scope == "api:read")
    }

    @Test("Anything but a live token of this issuer is {\"active\":false} and nothing else")
    func introspectInactive() async throws {
        let h = try await harness()
        let issued = try await tokens(h)
        let inactive = #"{"active":false}"#
        // An ID token (typ JWT), garbage, a forged signature, an empty string.
        for token in [issued.idToken!, "garbage", String(issued.accessToken.dropLast(4)) + "AAAA", "", "a.b.c"] {
            let answer = try await introspect(h, String(token))
            #expect(String(decoding: answer.compactJSON, as: UTF8.self) == inactive, "\(token.prefix(20))")
        }
        // A code or session cookie is sealed for another purpose.
        let session = try h.context.issuer.sealer.seal(
            LoginSession(subject: "alice", authTime: clock.now(), sessionID: "s", amr: ["pwd"]),
            purpose: .session,
            expiresAt: clock.now().addingTimeInterval(60)
        )
        #expect(try await introspect(h, session) == .inactive)
        // A used refresh token is spent.
        _ = try await refresh(h, issued.refreshToken!)
        #expect(try await introspect(h, issued.refreshToken!) == .inactive)
        // Expired.
        clock.advance(601)
        #expect(try await introspect(h, issued.accessToken) == .inactive)
    }

    @Test("An access token for an API the config no longer has, or its client may no longer ask for, is inactive")
    func introspectRemovedAudience() async throws {
        let api = "http://127.0.0.1:8080/api"
        let before = try await harness()
        let token = try await ClientCredentialsGrant(before.context).issue(
            to: try before.client("service"),
            parameters: try FormParameters.parse("resource=" + api.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!),
            now: clock.now()
        ).accessToken
        let active = try await introspect(before, token)
        #expect(active.active && active.aud == [api])
        // The same keys, a config without the API: the signature still verifies.
        let after = try await harness { $0.resources.removeAll { $0.id == api } }
        #expect(try await introspect(after, token) == .inactive)
        // The API is still there, but the client may no longer ask for it.
        let withdrawn = try await harness { config in
            let index = config.clients.firstIndex { $0.id == "service" }!
            config.clients[index].resources = []
        }
        #expect(try await introspect(withdrawn, token) == .inactive)
        // A token for the issuer itself stays active through both changes.
        let user = try await tokens(before)
        #expect(try await introspect(after, user.accessToken).active)
        #expect(try await introspect(withdrawn, user.accessToken).active)
    }

    @Test("Only clients with introspect: true may ask; the token parameter is required")
    func introspectionPermission() async throws {
        let h = try await harness()
        let issued = try await tokens(h)
        // demo may not introspect, not even its own token: the endpoint is no oracle for guesses.
        await #expect(throws: OAuthError.unauthorizedClient("this client may not introspect tokens")) {
            try await introspect(h, issued.accessToken, as: "demo")
        }
        await #expect(throws: OAuthError.invalidRequest("token is required")) { try await introspect(h, nil) }
    }

    @Test("Introspection fails closed when the store cannot say whether a token was revoked")
    func introspectionWithoutStore() async throws {
        let store = SwitchableStore(clock: clock)
        let h = try await harness(store: store)
        let issued = try await tokens(h)
        store.down.store(true, ordering: .relaxed)
        await #expect(throws: OAuthError.temporarilyUnavailable("the state store cannot be reached")) {
            try await introspect(h, issued.accessToken)
        }
        // Garbage needs no store to be inactive.
        #expect(try await introspect(h, "garbage") == .inactive)
    }

    // MARK: - RFC 7009

    @Test("Revoking a refresh token revokes its family: refresh, userinfo and introspection refuse it all")
    func revokeRefreshToken() async throws {
        let h = try await harness()
        let issued = try await tokens(h)
        let rotated = try await refresh(h, issued.refreshToken!)
        try await revoke(h, rotated.refreshToken!)
        await #expect(throws: OAuthError.invalidGrant("the refresh token was revoked")) { try await refresh(h, rotated.refreshToken!) }
        #expect(await userinfo(h, rotated.accessToken) == .invalidToken("this token's grant was revoked"))
        #expect(await userinfo(h, issued.accessToken) == .invalidToken("this token's grant was revoked"))
        #expect(try await introspect(h, rotated.accessToken) == .inactive)
        #expect(try await introspect(h, rotated.refreshToken!) == .inactive)
        // Revoking again, or an unknown token, is still success (RFC 7009 §2.2).
        try await revoke(h, rotated.refreshToken!)
        try await revoke(h, "not-a-token")
        await #expect(throws: OAuthError.invalidRequest("token is required")) { try await revoke(h, nil) }
    }

    @Test("Revoking an access token refuses it alone, until it expires; the grant's refresh token still works")
    func revokeAccessToken() async throws {
        let h = try await harness()
        let issued = try await tokens(h)
        try await revoke(h, issued.accessToken)
        #expect(await userinfo(h, issued.accessToken) == .invalidToken("this token was revoked"))
        #expect(try await introspect(h, issued.accessToken) == .inactive)
        let rotated = try await refresh(h, issued.refreshToken!)
        #expect(await userinfo(h, rotated.accessToken) == nil)
        #expect(try await introspect(h, rotated.accessToken).active)
    }

    @Test("A client cannot revoke another client's token, which stays valid")
    func revokeOthersToken() async throws {
        let h = try await harness()
        let issued = try await tokens(h)
        for token in [issued.accessToken, issued.refreshToken!] {
            await #expect(throws: OAuthError.unauthorizedClient("the token was issued to another client")) {
                try await revoke(h, token, as: "cli")
            }
        }
        #expect(try await introspect(h, issued.accessToken).active)
        #expect(try await introspect(h, issued.refreshToken!).active)
        #expect(try await refresh(h, issued.refreshToken!).refreshToken != nil)
    }

    @Test("One client can write only so many revocations per user and window; other users and clients are not affected")
    func revocationThrottle() async throws {
        let h = try await harness()
        let token = try await clientCredentials(h)
        for _ in 0..<RevocationThrottle.perSubject { try await revoke(h, token, as: "service") }
        await #expect(throws: OAuthError.temporarilyUnavailable("too many revocations for this user; try again in a few minutes")) {
            try await revoke(h, token, as: "service")
        }
        // Another client's or user's revocations still go through, and the window ends.
        let issued = try await tokens(h)
        try await revoke(h, issued.accessToken)
        clock.advance(TimeInterval(RevocationThrottle.window + 1))
        try await revoke(h, token, as: "service")
    }

    // MARK: - Operator revocation

    @Test("A subject's epoch refuses what was signed in before it, and not a later sign-in")
    func subjectEpoch() async throws {
        let h = try await harness()
        let before = try await tokens(h, signedInAgo: 60)
        clock.advance(1)
        try await h.context.state.revocations.revokeAll(of: .subject("alice"), lifetimes: h.config.lifetimes, now: clock.now())
        await #expect(throws: OAuthError.invalidGrant(Revocations.Refusal.subjectRevoked.description)) {
            try await refresh(h, before.refreshToken!)
        }
        #expect(await userinfo(h, before.accessToken) == .invalidToken(Revocations.Refusal.subjectRevoked.description))
        #expect(try await introspect(h, before.accessToken) == .inactive)
        // A code from a session signed in before the epoch is refused, though issued after it.
        clock.advance(TimeInterval(Revocations.clockMargin + 1))
        await #expect(throws: OAuthError.invalidGrant(Revocations.Refusal.subjectRevoked.description)) {
            try await tokens(h, signedInAgo: 60)
        }
        // A new sign-in after the epoch is good; bob's tokens were never touched.
        let after = try await tokens(h, signedInAgo: 0, session: "sid-2")
        #expect(await userinfo(h, after.accessToken) == nil)
        #expect(try await refresh(h, after.refreshToken!).refreshToken != nil)
    }

    @Test("A client's epoch refuses its tokens issued before it: client_credentials and user tokens")
    func clientEpoch() async throws {
        let h = try await harness()
        let service = try await clientCredentials(h)
        let user = try await tokens(h)
        clock.advance(1)
        for client in ["service", "demo"] {
            try await h.context.state.revocations.revokeAll(of: .client(client), lifetimes: h.config.lifetimes, now: clock.now())
        }
        #expect(try await introspect(h, service) == .inactive)
        #expect(try await introspect(h, user.refreshToken!) == .inactive)
        await #expect(throws: OAuthError.invalidGrant(Revocations.Refusal.clientRevoked.description)) {
            try await refresh(h, user.refreshToken!)
        }
        // A refresh that raced the revocation got a token issued after the epoch; its family
        // began before it, so it is refused all the same, however often it would rotate.
        var raced = try h.context.issuer.sealer.open(user.refreshToken!, as: RefreshToken.self, purpose: .refresh, now: clock.now()).payload
        raced.issuedAt = Int(clock.now().timeIntervalSince1970) + 10
        raced.generation = 1
        let racedToken = try h.context.issuer.sealer.seal(raced, purpose: .refresh, expiresAt: clock.now().addingTimeInterval(3_600))
        #expect(try await introspect(h, racedToken) == .inactive)
        // Tokens issued within the clock margin after the revocation are refused too.
        #expect(try await introspect(h, try await clientCredentials(h)) == .inactive)
        clock.advance(TimeInterval(Revocations.clockMargin + 1))
        #expect(try await introspect(h, try await clientCredentials(h)).active, "a token issued after the epoch is good")
        // The same session may sign the client in again: the client, not the user, was revoked.
        let again = try await tokens(h, signedInAgo: 60)
        #expect(await userinfo(h, again.accessToken) == nil)
    }

    @Test("Ending a session by its id refuses its tokens everywhere")
    func sessionByID() async throws {
        let h = try await harness()
        let issued = try await tokens(h)
        try await h.context.state.sessions.end(sessionID: "sid-1", lifetimes: h.config.lifetimes, now: clock.now())
        #expect(try await introspect(h, issued.refreshToken!) == .inactive)
        #expect(await userinfo(h, issued.accessToken) == .invalidToken("the session of this token has ended"))
        await #expect(throws: OAuthError.invalidGrant(Revocations.Refusal.sessionEnded.description)) {
            try await refresh(h, issued.refreshToken!)
        }
    }

    @Test("Refresh tokens sealed before they carried iat count from their sign-in")
    func refreshTokenWithoutIssueTime() throws {
        let old = #"{"c":"demo","s":"alice","sc":["openid"],"at":1700000000,"sid":"S","amr":["pwd"],"f":"F","g":1}"#
        let token = try JSONDecoder().decode(RefreshToken.self, from: Data(old.utf8))
        #expect(token.issuedAt == nil)
        #expect(Revocations.Presented(token).issuedAt == 1_700_000_000)
    }

    // MARK: - disabled

    @Test("A disabled user is refused sign-in, refresh, userinfo and introspection, as if gone")
    func disabledUser() async throws {
        let enabled = try await harness()
        let issued = try await tokens(enabled)
        let h = try await harness(store: enabled.store) { config in
            config.users[config.users.firstIndex { $0.username == "alice" }!].disabled = true
        }
        #expect(h.config.user(username: "alice") == nil && h.config.user(subject: "alice") == nil)
        #expect(h.config.users.contains { $0.username == "alice" }, "the entry stays in the config")
        await #expect(throws: OAuthError.invalidGrant("the user of this refresh token no longer exists")) {
            try await refresh(h, issued.refreshToken!)
        }
        #expect(await userinfo(h, issued.accessToken) == .invalidToken("the user of this token no longer exists"))
        #expect(try await introspect(h, issued.accessToken) == .inactive)
        let signIn = try await PasswordSignIn(h.context, verifier: InlinePasswordVerifier(), decoyHash: PasswordSignIn.decoyHash(for: h.config.users))
            .verify(
                username: "alice",
                password: "alice-password",
                address: "192.0.2.1"
            )
        guard case .failure = signIn else {
            Issue.record("a disabled user signed in")
            return
        }
        // A browser still holding the user's session cookie is asked to sign in again.
        let flow = AuthorizationFlow(deployment: h.context.deployment, sealer: h.context.issuer.sealer)
        let request = try AuthorizationRequest.validate(
            FormParameters([
                "client_id": "demo", "response_type": "code", "scope": "openid", "redirect_uri": "http://127.0.0.1:8080/demo/callback",
                "prompt": "none",
            ]),
            config: h.config
        )
        let session = LoginSession(subject: "alice", authTime: clock.now(), sessionID: "sid-1", amr: ["pwd"])
        #expect(flow.decide(request, session: session, now: clock.now()) == .fail(.loginRequired("the user is not logged in")))
        #expect(enabled.context.config.user(subject: "alice") != nil)
    }

    @Test("A disabled client cannot authenticate, and its tokens are inactive and refused at userinfo")
    func disabledClient() async throws {
        let enabled = try await harness()
        let service = try await clientCredentials(enabled)
        let user = try await tokens(enabled)
        let h = try await harness(store: enabled.store) { config in
            config.clients[config.clients.firstIndex { $0.id == "service" }!].disabled = true
            config.clients[config.clients.firstIndex { $0.id == "demo" }!].disabled = true
        }
        #expect(try await introspect(h, service) == .inactive)
        #expect(try await introspect(h, user.accessToken) == .inactive)
        #expect(await userinfo(h, user.accessToken) == .invalidToken("the client of this token no longer exists"))
        await #expect(throws: ClientAuthenticationError.self) {
            try await ClientAuthenticator().authenticate(
                .init(authorization: nil, parameters: FormParameters(["client_id": "service", "client_secret": "service-secret"])),
                config: h.config
            )
        }
    }

    @Test("disabled and introspect are read from the config, and a public client may not introspect")
    func configFields() throws {
        let problems = try diagnostics(
            """
            issuer: http://127.0.0.1:8080
            clients:
              - id: spa
                tokenEndpointAuthMethod: none
                redirectURIs: [http://127.0.0.1/cb]
                introspect: true
            """
        )
        #expect(problems.contains { $0.contains("clients[0].introspect: a public client (none) cannot introspect") }, "\(problems)")
        let config = try PermisoConfig.load(file: Repository.root + "/permiso.yaml", environment: [:])
        let api = try #require(config.client(id: "api"))
        #expect(api.introspect && api.grantTypes.isEmpty && !api.disabled)
        #expect(config.client(id: "demo")?.introspect == false)
    }
}
