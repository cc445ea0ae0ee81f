import Foundation

@testable public import PermisoCore

/// One kind of sealed value: its purpose, a real one sealed by the example deployment, and
/// how to open a candidate as that kind.
public struct SealedKind: Sendable {
    public var name: String
    public var purpose: SealPurpose
    public var real: String
    /// Opens `text` as this kind under `purpose`: `nil` when it does not open, else whether
    /// the payload is the real value's own (authenticated encryption allows nothing else).
    public var open: @Sendable (_ text: String, _ purpose: SealPurpose) -> Bool?
    /// Seals an arbitrary JSON payload under this kind's purpose and opens it as this kind:
    /// authentic bytes Permiso never wrote, as another version's payload would be.
    public var openForeign: @Sendable (_ payload: JSONValue) -> Void

    static func make<Payload: Codable & Sendable & Equatable>(
        _ name: String,
        _ payload: Payload,
        _ purpose: SealPurpose
    ) -> SealedKind {
        let sealer = FuzzFixture.sealer
        let now = FuzzFixture.now
        let real = try! sealer.seal(payload, purpose: purpose, expiresAt: now.addingTimeInterval(3_600))
        return SealedKind(
            name: name,
            purpose: purpose,
            real: real,
            open: { text, purpose in
                guard let opened = try? sealer.open(text, as: Payload.self, purpose: purpose, now: now) else { return nil }
                return opened.payload == payload
            },
            openForeign: { foreign in
                guard let text = try? sealer.seal(foreign, purpose: purpose, expiresAt: now.addingTimeInterval(60)) else { return }
                _ = try? sealer.open(text, as: Payload.self, purpose: purpose, now: now)
            }
        )
    }
}

/// The binding cookie's payload, as `BrowserFlow` seals it: nothing but the envelope.
public struct FormBinding: Codable, Sendable, Equatable {}

extension FuzzFixture {
    /// RFC 7636 Appendix B's verifier and its S256 challenge.
    public static let codeVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    public static let codeChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    /// A valid authorization request of the public client, as the authorize endpoint sees it.
    public static let authorizationRequest: AuthorizationRequest = {
        let query =
            "response_type=code&client_id=cli&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcallback"
            + "&scope=openid%20offline_access&state=xyz&nonce=n1&code_challenge=\(codeChallenge)&code_challenge_method=S256"
        return try! AuthorizationRequest.validate(FormParameters.parse(query), config: config)
    }()

    public static let session = LoginSession(
        subject: alice.subject,
        authTime: now.addingTimeInterval(-60),
        sessionID: "s-fuzz",
        amr: ["pwd"],
        consents: ["cli": ["openid", "offline_access"]]
    )

    public static let code = AuthorizationCode(
        clientID: "cli",
        redirectURI: "http://127.0.0.1:4711/callback",
        subject: alice.subject,
        scopes: ["openid", "offline_access"],
        nonce: "n1",
        codeChallenge: codeChallenge,
        authTime: now.addingTimeInterval(-60),
        sessionID: "s-fuzz",
        amr: ["pwd"]
    )

    public static let refreshToken = RefreshToken(
        clientID: "cli",
        subject: alice.subject,
        scopes: ["openid", "offline_access"],
        authTime: Int(now.timeIntervalSince1970) - 60,
        sessionID: "s-fuzz",
        amr: ["pwd"],
        family: "f-fuzz",
        generation: 0
    )

    public static let deviceCode = DeviceCode(clientID: "cli", scopes: ["openid"], userCode: "BCDFGHJK")

    /// Every kind of value Permiso seals, each with a real one.
    public static let sealedKinds: [SealedKind] = [
        .make("code", code, .code),
        .make("refresh", refreshToken, .refresh),
        .make("device", deviceCode, .device),
        .make("session", session, .session),
        .make("login transaction", LoginTransaction(request: authorizationRequest, bindingCookie: "b"), .loginTransaction),
        .make("device transaction", DeviceTransaction(userCode: "BCDFGHJK", bindingCookie: "b"), .deviceTransaction),
        .make("binding", FormBinding(), .binding),
        .make(
            "second-factor transaction",
            SecondFactorTransaction(subject: alice.subject, then: .authorization(authorizationRequest), bindingCookie: "b"),
            .secondFactorTransaction
        ),
    ]
}
