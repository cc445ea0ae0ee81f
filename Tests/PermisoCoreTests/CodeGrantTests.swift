import Crypto
import Foundation
import JWTKit
import PermisoTesting
import Testing

@testable import PermisoCore

/// The authorization code and refresh grants, driven with codes minted the way the authorize
/// endpoint will mint them, on an injected clock.
@Suite("Authorization code and refresh grants")
struct CodeGrantTests {
    static let issuer = "http://127.0.0.1:8080"
    let clock = TestClock()
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    struct Harness {
        var deployment: Deployment
        var issuer: TokenIssuer
        var store: MemoryStateStore
        var codes: GrantUnderTest<AuthorizationCodeGrant>
        var refreshes: GrantUnderTest<RefreshTokenGrant>
        var demo: ClientConfig
        var cli: ClientConfig
    }

    func harness() async throws -> Harness {
        let deployment = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let signer = try await TokenSigner(keys: deployment.keys, issuer: Self.issuer)
        let sealer = try #require(Sealer(keys: deployment.keys, issuer: Self.issuer))
        let issuer = TokenIssuer(deployment: deployment, signer: signer, sealer: sealer)
        let store = MemoryStateStore(clock: clock)
        return Harness(
            deployment: deployment,
            issuer: issuer,
            store: store,
            codes: GrantUnderTest(FlowContext(issuer: issuer, state: ProtocolState(store: store))),
            refreshes: GrantUnderTest(FlowContext(issuer: issuer, state: ProtocolState(store: store))),
            demo: try #require(deployment.config.client(id: "demo")),
            cli: try #require(deployment.config.client(id: "cli"))
        )
    }

    func mint(
        _ h: Harness,
        client: String = "demo",
        scopes: [String] = ["openid", "email", "offline_access"],
        redirect: String? = "http://127.0.0.1:8080/demo/callback",
        challenge: String? = nil,
        purpose: SealPurpose = .code,
        lifetime: TimeInterval = 60
    ) throws -> String {
        let code = AuthorizationCode(
            clientID: client,
            redirectURI: redirect,
            subject: "alice",
            scopes: scopes,
            nonce: "n-0S6_WzA2Mj",
            codeChallenge: challenge,
            authTime: clock.now().addingTimeInterval(-5),
            sessionID: "sid-1",
            amr: ["pwd"]
        )
        return try h.issuer.sealer.seal(code, purpose: purpose, expiresAt: clock.now().addingTimeInterval(lifetime))
    }

    func form(_ values: [String: String]) -> FormParameters { FormParameters(values) }

    func redeem(
        _ h: Harness,
        _ code: String,
        client: ClientConfig? = nil,
        extra: [String: String] = [:]
    ) async throws
        -> TokenResponse
    {
        var values = ["code": code, "redirect_uri": "http://127.0.0.1:8080/demo/callback"]
        values.merge(extra) { $1 }
        return try await h.codes.redeem(client: client ?? h.demo, parameters: form(values), now: clock.now())
    }

    @Test("A code redeems for an access token, an ID token with the released claims, and a refresh token")
    func redemption() async throws {
        let h = try await harness()
        let response = try await redeem(h, try mint(h))
        let access = try await h.issuer.signer.verifyAccessToken(response.accessToken, now: clock.now())
        #expect(access.subject == "alice" && access.clientID == "demo" && access.sid == "sid-1")
        #expect(response.scope == "openid email offline_access")
        #expect(response.refreshToken != nil)

        let idToken = try #require(response.idToken)
        // Verify with jwt-kit loaded from the public JWKS alone, as a relying party would.
        let jwks = String(decoding: try StableJSON.encode(h.deployment.keys.publicKeySet), as: UTF8.self)
        let keys = try await JWTKeyCollection().add(jwksJSON: jwks)
        let claims = try await keys.verify(idToken, as: IDTokenClaims.self)
        #expect(claims.iss == Self.issuer && claims.aud == "demo" && claims.azp == "demo" && claims.sub == "alice")
        #expect(claims.nonce == "n-0S6_WzA2Mj" && claims.sid == "sid-1" && claims.amr == ["pwd"])
        #expect(claims.atHash == TokenHash.atHash(response.accessToken, algorithm: .rs256))
        // email was granted, groups and profile were not.
        #expect(claims.userClaims == ["email": "alice@example.com", "email_verified": true])
    }

    @Test("at_hash is the left half of the access token's SHA-256 (OIDC Core §3.1.3.6)")
    func atHash() {
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        let digest = Data(SHA256.hash(data: Data(token.utf8)))
        #expect(TokenHash.atHash(token, algorithm: .rs256) == digest.prefix(16).base64URLEncodedString)
        #expect(TokenHash.atHash(token, algorithm: .rs256).count == 22)
        #expect(TokenHash.atHash(token, algorithm: .edDSA).count == 43)
    }

    @Test("A second redemption fails and revokes the refresh token the first one got, and its access token at userinfo")
    func codeReuse() async throws {
        let h = try await harness()
        let code = try mint(h)
        let first = try await redeem(h, code)
        let userinfo = UserinfoRequest(FlowContext(issuer: h.issuer, state: ProtocolState(store: h.store)))
        #expect(try await userinfo.claims(accessToken: first.accessToken, now: clock.now())["sub"] == "alice")
        let access = try await h.issuer.signer.verifyAccessToken(first.accessToken, now: clock.now())
        #expect(access.family != nil && access.jti.value.hasPrefix(access.family! + "."))
        await #expect(throws: OAuthError.invalidGrant("the code was already used; the tokens issued for it are revoked")) {
            try await redeem(h, code)
        }
        await #expect(throws: OAuthError.invalidGrant("the refresh token was revoked")) {
            try await h.refreshes.refresh(
                client: h.demo,
                parameters: form(["refresh_token": first.refreshToken!]),
                now: clock.now()
            )
        }
        // RFC 6749 §4.1.2 SHOULD: the access token of the first redemption is refused too.
        await #expect(throws: BearerTokenError(.invalidToken("this token's grant was revoked"))) {
            try await userinfo.claims(accessToken: first.accessToken, now: clock.now())
        }
    }

    @Test("A code is bound to its client, redirect URI, purpose and lifetime")
    func codeBindings() async throws {
        let h = try await harness()
        await #expect(throws: OAuthError.invalidGrant("the code was issued to another client")) {
            try await redeem(h, try mint(h, client: "cli"))
        }
        await #expect(throws: OAuthError.invalidGrant("redirect_uri does not match the authorization request")) {
            try await redeem(h, try mint(h), extra: ["redirect_uri": "http://127.0.0.1:8080/demo/callback/"])
        }
        await #expect(throws: OAuthError.invalidGrant("the code is invalid or has expired")) {
            try await redeem(h, try mint(h, purpose: .session))
        }
        let expiring = try mint(h, lifetime: 60)
        clock.advance(61)
        await #expect(throws: OAuthError.invalidGrant("the code is invalid or has expired")) { try await redeem(h, expiring) }
        await #expect(throws: OAuthError.invalidRequest("code is required")) {
            try await h.codes.redeem(client: h.demo, parameters: form([:]), now: clock.now())
        }
    }

    @Test("PKCE failures do not burn the code: the real client can still redeem it")
    func pkceBeforeSingleUse() async throws {
        let h = try await harness()
        let code = try mint(h, challenge: challenge)
        await #expect(throws: OAuthError.invalidGrant("code_verifier is required: the authorization request used PKCE")) {
            try await redeem(h, code)
        }
        await #expect(throws: OAuthError.invalidGrant("code_verifier does not match the code_challenge")) {
            try await redeem(h, code, extra: ["code_verifier": String(verifier.reversed())])
        }
        let response = try await redeem(h, code, extra: ["code_verifier": verifier])
        #expect(!response.accessToken.isEmpty)
    }

    @Test("PKCE downgrade: a code_verifier for a code issued without a challenge is refused, and the code survives (RFC 9700 §4.8.2)")
    func pkceDowngrade() async throws {
        let h = try await harness()
        let code = try mint(h, challenge: nil)
        await #expect(throws: OAuthError.invalidGrant("code_verifier sent, but the authorization request had no code_challenge")) {
            try await redeem(h, code, extra: ["code_verifier": verifier])
        }
        let response = try await redeem(h, code)
        #expect(!response.accessToken.isEmpty)
    }

    @Test("A refresh token left unused for its lifetime expires; each rotation starts the lifetime again (RFC 9700 §4.14.2)")
    func refreshExpiresUnused() async throws {
        let h = try await harness()
        let lifetime = TimeInterval(h.deployment.config.lifetimes.refreshToken)
        let first = try await redeem(h, try mint(h))
        clock.advance(lifetime - 60)
        let rotated = try await h.refreshes.refresh(client: h.demo, parameters: form(["refresh_token": first.refreshToken!]), now: clock.now())
        clock.advance(lifetime - 60)
        let again = try await h.refreshes.refresh(client: h.demo, parameters: form(["refresh_token": rotated.refreshToken!]), now: clock.now())
        clock.advance(lifetime + 1)
        await #expect(throws: OAuthError.invalidGrant("the refresh token is invalid or has expired")) {
            try await h.refreshes.refresh(client: h.demo, parameters: form(["refresh_token": again.refreshToken!]), now: clock.now())
        }
    }

    @Test("Refresh tokens rotate; replaying an old one revokes the whole family")
    func refreshRotation() async throws {
        let h = try await harness()
        let first = try await redeem(h, try mint(h))
        let second = try await h.refreshes.refresh(
            client: h.demo,
            parameters: form(["refresh_token": first.refreshToken!]),
            now: clock.now()
        )
        #expect(second.refreshToken != first.refreshToken)
        #expect(second.idToken != nil)
        await #expect(throws: OAuthError.invalidGrant("the refresh token was already used; its family is revoked")) {
            try await h.refreshes.refresh(
                client: h.demo,
                parameters: form(["refresh_token": first.refreshToken!]),
                now: clock.now()
            )
        }
        await #expect(throws: OAuthError.invalidGrant("the refresh token was revoked")) {
            try await h.refreshes.refresh(
                client: h.demo,
                parameters: form(["refresh_token": second.refreshToken!]),
                now: clock.now()
            )
        }
        // The family's access tokens, the latest included, are refused at userinfo as well.
        let userinfo = UserinfoRequest(FlowContext(issuer: h.issuer, state: ProtocolState(store: h.store)))
        await #expect(throws: BearerTokenError(.invalidToken("this token's grant was revoked"))) {
            try await userinfo.claims(accessToken: second.accessToken, now: clock.now())
        }
    }

    @Test("A refresh may narrow the scope, never widen it, and only for its own client")
    func refreshScope() async throws {
        let h = try await harness()
        let first = try await redeem(h, try mint(h))
        let narrowed = try await h.refreshes.refresh(
            client: h.demo,
            parameters: form(["refresh_token": first.refreshToken!, "scope": "openid offline_access"]),
            now: clock.now()
        )
        #expect(narrowed.scope == "openid offline_access")
        await #expect(throws: OAuthError.invalidScope("scope profile was not granted to this refresh token")) {
            try await h.refreshes.refresh(
                client: h.demo,
                parameters: form(["refresh_token": narrowed.refreshToken!, "scope": "openid profile"]),
                now: clock.now()
            )
        }
        // RFC 6749 §6: the rotated refresh token keeps the whole grant; only that response narrowed.
        let whole = try await h.refreshes.refresh(client: h.demo, parameters: form(["refresh_token": narrowed.refreshToken!]), now: clock.now())
        #expect(whole.scope == "openid email offline_access")
        let other = try await redeem(h, try mint(h))
        await #expect(throws: OAuthError.invalidGrant("the refresh token was issued to another client")) {
            try await h.refreshes.refresh(client: h.cli, parameters: form(["refresh_token": other.refreshToken!]), now: clock.now())
        }
    }

    @Test("Without offline_access there is no refresh token")
    func noOfflineAccess() async throws {
        let h = try await harness()
        let response = try await redeem(h, try mint(h, scopes: ["openid", "profile"]))
        #expect(response.refreshToken == nil)
    }

    @Test("An unreachable state store fails closed with temporarily_unavailable, for codes and refreshes")
    func unreachableStore() async throws {
        let h = try await harness()
        let refresh = try #require(try await redeem(h, try mint(h)).refreshToken)
        let codes = GrantUnderTest<AuthorizationCodeGrant>(FlowContext(issuer: h.issuer, state: ProtocolState(store: UnreachableStore())))
        let refreshes = GrantUnderTest<RefreshTokenGrant>(FlowContext(issuer: h.issuer, state: ProtocolState(store: UnreachableStore())))
        await #expect(throws: OAuthError.temporarilyUnavailable("the state store cannot be reached")) {
            try await codes.redeem(
                client: h.demo,
                parameters: form(["code": try mint(h), "redirect_uri": "http://127.0.0.1:8080/demo/callback"]),
                now: clock.now()
            )
        }
        await #expect(throws: OAuthError.temporarilyUnavailable("the state store cannot be reached")) {
            try await refreshes.refresh(client: h.demo, parameters: form(["refresh_token": refresh]), now: clock.now())
        }
    }
}

/// A redeeming grant bound to one context, called as the token endpoint calls it.
struct GrantUnderTest<Grant: RedeemingGrant>: Sendable {
    let context: FlowContext

    init(_ context: FlowContext) { self.context = context }

    func redeem(client: ClientConfig, parameters: FormParameters, now: Date) async throws(OAuthError) -> TokenResponse {
        try await Grant.answer(client: client, parameters: parameters, context: context, now: now)
    }

    func refresh(client: ClientConfig, parameters: FormParameters, now: Date) async throws(OAuthError) -> TokenResponse {
        try await redeem(client: client, parameters: parameters, now: now)
    }

    func poll(client: ClientConfig, parameters: FormParameters, now: Date) async throws(OAuthError) -> TokenResponse {
        try await redeem(client: client, parameters: parameters, now: now)
    }
}
