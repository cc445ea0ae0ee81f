import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// The rules that used to live in the HTTP layer, tested without it: password sign-in,
/// the RP-Initiated Logout decision, bearer-token extraction, and the device and
/// client-credentials grants.
@Suite("Core flows: sign-in, logout, bearer tokens, device and client credentials")
struct CoreFlowTests {
    let clock = TestClock()

    struct Harness {
        var deployment: Deployment
        var issuer: TokenIssuer
        var state: ProtocolState
        var context: FlowContext { FlowContext(issuer: issuer, state: state) }
    }

    func harness(store: any StateStore = MemoryStateStore()) async throws -> Harness {
        let deployment = try Deployment.load(configFile: Repository.exampleConfig, environment: [:])
        let name = deployment.config.issuer.absoluteString
        let signer = try await TokenSigner(keys: deployment.keys, issuer: name)
        let sealer = try #require(Sealer(keys: deployment.keys, issuer: name))
        return Harness(
            deployment: deployment,
            issuer: TokenIssuer(deployment: deployment, signer: signer, sealer: sealer),
            state: ProtocolState(store: store)
        )
    }

    // MARK: Password sign-in

    @Test("Password sign-in: right, wrong and unknown; failures stay counted and the limit refuses even the right password")
    func passwordSignIn() async throws {
        let h = try await harness()
        let signIn = PasswordSignIn(
            h.context,
            verifier: InlinePasswordVerifier(),
            decoyHash: PasswordSignIn.decoyHash(for: h.deployment.config.users)
        )
        let right = try await signIn.verify(username: "alice", password: "alice-password", address: "192.0.2.1")
        #expect(try right.get().username == "alice")
        #expect(try await signIn.verify(username: "alice", password: "wrong", address: "192.0.2.1") == .failure(.incorrect))
        #expect(
            try await signIn.verify(username: "nobody", password: "alice-password", address: "192.0.2.1") == .failure(.incorrect),
            "an unknown user reads like a wrong password"
        )
        for _ in 1..<SignInThrottle.attemptsPerUser {
            _ = try await signIn.verify(username: "bob", password: "wrong", address: "192.0.2.2")
        }
        #expect(try await signIn.verify(username: "bob", password: "bob-password", address: "192.0.2.2").map(\.username) == .success("bob"))
        _ = try await signIn.verify(username: "bob", password: "wrong", address: "192.0.2.2")
        #expect(try await signIn.verify(username: "BOB", password: "bob-password", address: "192.0.2.2") == .failure(.throttled))
    }

    @Test("The decoy for unknown usernames costs what most users' hashes cost, whatever scheme or cost they use")
    func decoyCost() throws {
        func users(_ hashes: [String]) -> [UserConfig] {
            hashes.enumerated().map { UserConfig(username: "u\($0.offset)", passwordHash: $0.element, subject: "s\($0.offset)", claims: [:]) }
        }
        let bcrypt12 = try PasswordHash.make("a", scheme: .bcrypt, cost: 12)
        let bcrypt4 = try PasswordHash.make("a", scheme: .bcrypt, cost: 4)
        let yescrypt = try PasswordHash.make("a", scheme: .yescrypt)
        #expect(PasswordSignIn.decoyHash(for: users([bcrypt12])).hasPrefix("$2b$12$"), "not the old fixed cost 10")
        #expect(PasswordSignIn.decoyHash(for: users([bcrypt4, bcrypt4, bcrypt12])).hasPrefix("$2b$04$"), "the most common cost")
        let mixed = PasswordSignIn.decoyHash(for: users([yescrypt, yescrypt, bcrypt12]))
        #expect(PasswordHash.parameters(of: mixed) == PasswordHash.parameters(of: yescrypt))
        #expect(PasswordHash.isAcceptedFormat(mixed) && !PasswordHash.verify("a", against: mixed), "a real hash, of another password")
        #expect(PasswordSignIn.decoyHash(for: []).hasPrefix("$2b$12$"))
        #expect(PasswordHash.isAcceptedFormat(PasswordSignIn.fallbackDecoy) && PasswordSignIn.fallbackDecoy.hasPrefix("$2b$12$"))
    }

    @Test("Password sign-in fails closed when the throttle cannot be consulted")
    func signInWithoutStore() async throws {
        let h = try await harness(store: UnreachableStore())
        let signIn = PasswordSignIn(
            h.context,
            verifier: InlinePasswordVerifier(),
            decoyHash: PasswordSignIn.decoyHash(for: h.deployment.config.users)
        )
        await #expect(throws: OAuthError.temporarilyUnavailable("the state store cannot be reached")) {
            try await signIn.verify(username: "alice", password: "alice-password", address: "192.0.2.1")
        }
    }

    @Test("Signing in again continues the same user's session (sid, consents, recorded clients); another user's is replaced")
    func sessionStart() async throws {
        let h = try await harness()
        let alice = try #require(h.deployment.config.user(username: "alice"))
        let bob = try #require(h.deployment.config.user(username: "bob"))
        var previous = LoginSession.start(alice, methods: ["pwd"], now: clock.now(), previous: nil)
        previous.consents = ["demo": ["openid"]]
        previous.recordedClients = [LoginSession.clientDigest("demo")]
        clock.advance(60)
        let again = LoginSession.start(alice, methods: TOTPSignIn.methods, now: clock.now(), previous: previous)
        #expect(again.consents == previous.consents && again.sessionID == previous.sessionID && again.amr == TOTPSignIn.methods)
        #expect(again.recordedClients == previous.recordedClients && again.authTime == previous.authTime + 60)
        let other = LoginSession.start(bob, methods: ["pwd"], now: clock.now(), previous: previous)
        #expect(other.consents.isEmpty && other.recordedClients.isEmpty && other.sessionID != previous.sessionID)
    }

    @Test("A session records each client with a logout URI once, at most 16, forgetting the oldest")
    func recordedClients() throws {
        var client = ClientConfig(
            id: "rp-0",
            name: "RP",
            authMethod: .none,
            redirectURIs: [],
            postLogoutRedirectURIs: [],
            grantTypes: [.authorizationCode],
            scopes: ["openid"],
            signingAlgorithm: .es256,
            requirePKCE: true,
            firstParty: false
        )
        var session = LoginSession(subject: "alice", authTime: clock.now(), sessionID: "S", amr: ["pwd"])
        #expect(session.recording(client) == nil, "no logout URI: nothing to remember")
        client.backchannelLogoutURI = "https://rp.example/logout"
        session = try #require(session.recording(client))
        #expect(session.recording(client) == nil, "already recorded")
        for index in 1...20 {
            client.id = "rp-\(index)-" + String(repeating: "x", count: 200)
            session = try #require(session.recording(client))
        }
        #expect(session.recordedClients.count == LoginSession.maximumRecordedClients)
        #expect(session.recordedClients.allSatisfy { $0.count == 11 }, "fixed size, whatever the client ids")
        #expect(!session.recordedClients.contains(LoginSession.clientDigest("rp-0")), "the oldest went first")
        #expect(session.recordedClients.last == LoginSession.clientDigest(client.id))
    }

    // MARK: RP-Initiated Logout

    func idToken(_ h: Harness, subject: String, client: String = "demo", session: String = "S1") async throws -> String {
        let user = try #require(h.deployment.config.user(subject: subject))
        let grant = TokenIssuer.Grant(
            client: try #require(h.deployment.config.client(id: client)),
            user: user,
            scopes: ["openid"],
            nonce: nil,
            authTime: Int(clock.now().timeIntervalSince1970),
            sessionID: session,
            amr: ["pwd"],
            family: "F",
            generation: 0
        )
        return try #require(try await h.issuer.issue(grant, now: clock.now()).idToken)
    }

    @Test("Logout decision: a hint from this very session ends it at once; another user's, an earlier session's, or none, asks")
    func logoutDecision() async throws {
        let h = try await harness()
        let logout = RPInitiatedLogout(h.context)
        let alice = try #require(h.deployment.config.user(username: "alice"))
        var session = LoginSession.start(alice, methods: ["pwd"], now: clock.now(), previous: nil)
        session.sessionID = "S1"  // the session the hints below were issued in
        let aliceHint = try await idToken(h, subject: alice.subject)
        let bobHint = try await idToken(h, subject: try #require(h.deployment.config.user(username: "bob")).subject)
        let back = "http://127.0.0.1:8080/demo/"

        let hinted = try await logout.validate(
            FormParameters(["id_token_hint": aliceHint, "post_logout_redirect_uri": back, "state": "s"])
        )
        #expect(hinted.destination == .init(redirect: back, state: "s"))
        #expect(RPInitiatedLogout.decide(hinted, session: session) == .signOut(hinted.destination))
        let foreign = try await logout.validate(FormParameters(["id_token_hint": bobHint]))
        #expect(RPInitiatedLogout.decide(foreign, session: session) == .confirm(.init()))
        // The same user's ID token from an earlier session does not end this one unasked.
        let earlier = try await logout.validate(FormParameters(["id_token_hint": try await idToken(h, subject: alice.subject, session: "S0")]))
        #expect(RPInitiatedLogout.decide(earlier, session: session) == .confirm(.init()))
        let bare = try await logout.validate(FormParameters())
        #expect(RPInitiatedLogout.decide(bare, session: session) == .confirm(.init()))
        #expect(RPInitiatedLogout.decide(bare, session: nil) == .signOut(.init()), "nobody to sign out: nothing to ask")
    }

    @Test("Logout refuses a forged hint, a client_id that contradicts it, and an unregistered post-logout URI")
    func logoutRefusals() async throws {
        let h = try await harness()
        let logout = RPInitiatedLogout(h.context)
        let hint = try await idToken(h, subject: try #require(h.deployment.config.user(username: "alice")).subject)
        await #expect(throws: OAuthError.invalidRequest("id_token_hint is not a valid ID token")) {
            try await logout.validate(FormParameters(["id_token_hint": String(hint.dropLast(4)) + "AAAA"]))
        }
        await #expect(throws: OAuthError.invalidRequest("client_id does not match the id_token_hint")) {
            try await logout.validate(FormParameters(["id_token_hint": hint, "client_id": "cli"]))
        }
        for parameters in [
            ["id_token_hint": hint, "post_logout_redirect_uri": "https://evil.example/"],
            ["post_logout_redirect_uri": "http://127.0.0.1:8080/demo/"],
            ["client_id": "cli", "post_logout_redirect_uri": "http://127.0.0.1:8080/demo/"],
        ] {
            await #expect(throws: OAuthError.invalidRequest("post_logout_redirect_uri is not registered for this client")) {
                try await logout.validate(FormParameters(parameters))
            }
        }
    }

    @Test("Ending a session refuses it everywhere; an unreachable store says sign-out could not be recorded")
    func endSession() async throws {
        let h = try await harness()
        let logout = RPInitiatedLogout(h.context)
        let alice = try #require(h.deployment.config.user(username: "alice"))
        let session = LoginSession.start(alice, methods: ["pwd"], now: Date(), previous: nil)
        try await logout.end(session, now: clock.now())
        #expect(try await h.state.sessions.isEnded(sessionID: session.sessionID))
        await #expect(throws: OAuthError.temporarilyUnavailable("sign-out cannot be recorded right now; try again")) {
            try await RPInitiatedLogout(FlowContext(issuer: h.issuer, state: ProtocolState(store: UnreachableStore()))).end(session, now: clock.now())
        }
    }

    // MARK: Bearer tokens (RFC 6750 §2)

    @Test("Bearer tokens come from the header or the form, never both; other schemes count as no credentials")
    func bearerExtraction() throws {
        #expect(try BearerToken.extract(authorization: "Bearer abc", form: nil) == "abc")
        #expect(try BearerToken.extract(authorization: "bearer  abc ", form: nil) == "abc", "the scheme is case-insensitive")
        #expect(try BearerToken.extract(authorization: nil, form: FormParameters(["access_token": "xyz"])) == "xyz")
        #expect(throws: BearerTokenError(.invalidRequest("send the access token in one place, not two"))) {
            try BearerToken.extract(authorization: "Bearer abc", form: FormParameters(["access_token": "xyz"]))
        }
        for header in ["Basic YTpi", "Bearer", "Bearer ", "Token abc"] {
            #expect(throws: BearerTokenError(nil), "\(header)") { try BearerToken.extract(authorization: header, form: nil) }
        }
        #expect(throws: BearerTokenError(nil)) { try BearerToken.extract(authorization: nil, form: FormParameters()) }
    }

    // MARK: Device and client-credentials grants

    @Test("Device grant in Core: pending, slow_down, approval, tokens once, and a foreign client refused")
    func deviceGrant() async throws {
        let h = try await harness()
        let config = h.deployment.config
        let cli = try #require(config.client(id: "cli"))
        let demo = try #require(config.client(id: "demo"))
        let start = try await DeviceAuthorization(h.context)
            .start(client: cli, parameters: FormParameters(["scope": "openid"]), address: "192.0.2.9", now: clock.now())
        let poll = FormParameters(["device_code": start.deviceCode])
        let grant = GrantUnderTest<DeviceCodeGrant>(h.context)
        await #expect(throws: OAuthError.authorizationPending("the user has not decided yet")) {
            try await grant.poll(client: cli, parameters: poll, now: clock.now())
        }
        await #expect(throws: OAuthError.slowDown("polled sooner than every 5 seconds; wait 10 seconds between polls")) {
            try await grant.poll(client: cli, parameters: poll, now: clock.now().addingTimeInterval(1))
        }
        await #expect(throws: OAuthError.unauthorizedClient("this client may not use the device authorization grant")) {
            try await grant.poll(client: demo, parameters: poll, now: clock.now())
        }
        let verification = DeviceVerification(h.context)
        let pending = try await verification.lookup(start.userCode, address: "192.0.2.9").get()
        let alice = try #require(config.user(username: "alice"))
        let session = LoginSession.start(alice, methods: ["pwd"], now: clock.now(), previous: nil)
        #expect(try await verification.decide(pending, approve: true, session: session))
        #expect(try await !verification.decide(pending, approve: false, session: session), "decided once")
        let tokens = try await grant.poll(client: cli, parameters: poll, now: clock.now().addingTimeInterval(20))
        #expect(tokens.idToken != nil)
        await #expect(throws: OAuthError.invalidGrant("the device code was already used")) {
            try await grant.poll(client: cli, parameters: poll, now: clock.now().addingTimeInterval(40))
        }
        await #expect(throws: OAuthError.expiredToken("the device code has expired; start again")) {
            try await grant.poll(client: cli, parameters: poll, now: clock.now().addingTimeInterval(TimeInterval(start.expiresIn + 1)))
        }
    }

    @Test("Client credentials in Core: the allowed scopes by default, for the client itself; other clients refused")
    func clientCredentials() async throws {
        let h = try await harness()
        let config = h.deployment.config
        let service = try #require(config.client(id: "service"))
        let demo = try #require(config.client(id: "demo"))
        let grant = ClientCredentialsGrant(h.context)
        let issued = try await grant.issue(to: service, parameters: FormParameters(), now: clock.now())
        let claims = try await h.issuer.signer.verifyAccessToken(issued.accessToken, now: clock.now())
        #expect(claims.subject == "service" && claims.scopes == ["api:read"] && issued.refreshToken == nil)
        await #expect(throws: OAuthError.unauthorizedClient("this client may not use the client_credentials grant")) {
            try await grant.issue(to: demo, parameters: FormParameters(), now: clock.now())
        }
    }

    @Test("Device authorizations are throttled per address and per client and address; other addresses go on")
    func deviceStartThrottle() async throws {
        let h = try await harness()
        let cli = try #require(h.deployment.config.client(id: "cli"))
        let device = DeviceAuthorization(h.context)
        for _ in 0..<DeviceStartThrottle.startsPerClient {
            _ = try await device.start(client: cli, parameters: FormParameters(), address: "198.51.100.5", now: clock.now())
        }
        await #expect(throws: OAuthError.temporarilyUnavailable("too many device authorizations from this address; try again in a few minutes")) {
            try await device.start(client: cli, parameters: FormParameters(), address: "198.51.100.5", now: clock.now())
        }
        _ = try await device.start(client: cli, parameters: FormParameters(), address: "198.51.100.6", now: clock.now())
    }

    @Test("The memory store with a public issuer is warned about; with a loopback issuer or Redis it is not")
    func memoryStoreWarning() throws {
        var deployment = try Deployment.load(configFile: Repository.exampleConfig, environment: [:])
        #expect(deployment.stateWarning == nil, "loopback issuer: development")
        deployment.config.issuer = URL(string: "https://id.example.com")!
        #expect(deployment.stateWarning?.contains("a restart forgets logouts") == true)
        deployment.config.stateStore = .redis(RedisEndpoint(host: "redis.internal"))
        #expect(deployment.stateWarning == nil)
    }

    @Test("Client-secret guesses are throttled per client and address, the right secret too once refused; other addresses go on")
    func clientSecretGuessing() async throws {
        let h = try await harness()
        let authenticator = ClientAuthenticator()
        func attempt(_ secret: String, from address: String) async -> OAuthError? {
            let presented = ClientAuthenticator.Presented(
                authorization: nil,
                parameters: FormParameters(["client_id": "service", "client_secret": secret])
            )
            let guessing = ClientAuthenticator.Guessing(throttle: h.state.clientSecrets, address: address)
            do {
                _ = try await authenticator.authenticate(presented, config: h.deployment.config, guessing: guessing)
                return nil
            } catch {
                return error.error
            }
        }
        for index in 0..<ClientSecretThrottle.attemptsPerClient {
            #expect(await attempt("guess-\(index)", from: "198.51.100.1") == .invalidClient("client authentication failed"))
        }
        let throttled = OAuthError.temporarilyUnavailable("too many failed client authentications from this address; try again in a few minutes")
        #expect(await attempt("service-secret", from: "198.51.100.1") == throttled, "no more hash checks from this address")
        #expect(await attempt("service-secret", from: "192.0.2.44") == nil, "the client at its own address goes on")
        #expect(await attempt("service-secret", from: "192.0.2.44") == nil, "and its verified secret passes without a count")
        // The verified secret is refused from the throttled address, as a guess is: otherwise
        // an HMAC would tell that address which of its guesses was right, without limit.
        #expect(await attempt("service-secret", from: "198.51.100.1") == throttled)
        #expect(await attempt("guess-x", from: "198.51.100.1") == throttled)
    }
}
