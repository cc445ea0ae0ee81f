import Benchmark
import Crypto
import CryptoExtras
import Foundation
import JWTKit
import PermisoCore

/// The repository's example deployment, loaded once: config, development keys, sealer, signer.
private enum Fixture {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let configFile = root + "/permiso.yaml"

    static func deployment() throws -> Deployment {
        try Deployment.load(configFile: configFile, environment: [:], requireSealing: true)
    }

    static func accessClaims(_ issuer: String) -> AccessTokenClaims {
        let now = Date()
        return AccessTokenClaims(
            iss: issuer,
            sub: "alice",
            aud: [issuer],
            exp: now.addingTimeInterval(600),
            iat: now,
            jti: UUID().uuidString,
            clientID: "cli",
            scope: ["openid", "email"],
            authTime: now,
            sid: "session"
        )
    }

    static func idClaims(_ issuer: String) -> IDTokenClaims {
        let now = Date()
        return IDTokenClaims(
            iss: issuer,
            sub: "alice",
            clientID: "cli",
            exp: now.addingTimeInterval(600),
            iat: now,
            authTime: Int(now.timeIntervalSince1970),
            nonce: "n-0123456789",
            atHash: "77QmUPtjPfzWtF2AnpK9RQ",
            sid: "session",
            amr: ["pwd"],
            userClaims: ["email": .string("alice@example.com"), "email_verified": .bool(true), "name": .string("Alice Example")]
        )
    }

    static func code() -> AuthorizationCode {
        AuthorizationCode(
            clientID: "cli",
            redirectURI: "http://127.0.0.1/callback",
            subject: "alice",
            scopes: ["openid", "email"],
            nonce: "n-0123456789",
            codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            authTime: Date(),
            sessionID: "session",
            amr: ["pwd"]
        )
    }
}

private let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .throughput]

let benchmarks: @Sendable () -> Void = {
    // Each sample runs a thousand operations, so the setup inside a closure (loading the
    // deployment, building a signer) is paid once per sample and caches are warm, as in a
    // running server. RSA and bcrypt, a thousand times slower, run one per sample.
    Benchmark.defaultConfiguration = .init(metrics: metrics, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 1_000)
    let slow = Benchmark.Configuration(metrics: metrics, scalingFactor: .one, maxDuration: .seconds(2), maxIterations: 200)

    Benchmark("config load (example config)", configuration: slow) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try PermisoConfig.load(file: Fixture.configFile, environment: [:]))
        }
    }

    Benchmark("discovery + JWKS build") { benchmark in
        let deployment = try Fixture.deployment()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try SiteBuilder.documents(for: deployment))
        }
    }

    /// Seal and open one sealed value with its real payload, as the server does.
    func sealed<Value: Codable & Sendable>(
        _ name: String,
        _ purpose: SealPurpose,
        _ make: @escaping @Sendable (Deployment) throws -> Value
    ) {
        Benchmark("seal + open, \(name)") { benchmark in
            let deployment = try Fixture.deployment()
            let sealer = Sealer(keys: deployment.keys, issuer: deployment.config.issuer.absoluteString)!
            let value = try make(deployment)
            let expires = Date().addingTimeInterval(60)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let text = try sealer.seal(value, purpose: purpose, expiresAt: expires)
                blackHole(try sealer.open(text, as: Value.self, purpose: purpose, now: Date()))
            }
        }
    }
    sealed("authorization code", .code) { _ in Fixture.code() }
    sealed("refresh token", .refresh) { _ in
        let json =
            #"{"c":"demo","s":"alice","sc":["openid","email","offline_access"],"at":1800000000,"sid":"session","amr":["pwd"],"f":"family-0123456789","g":3}"#
        return try JSONDecoder().decode(RefreshToken.self, from: Data(json.utf8))
    }
    sealed("session cookie", .session) { _ in
        LoginSession(subject: "alice", authTime: Date(), sessionID: "session", amr: ["pwd"], consents: ["cli": ["openid", "email"]])
    }
    sealed("device code", .device) { _ in DeviceCode(clientID: "cli", scopes: ["openid", "email"], userCode: "BCDFGHJK") }
    sealed("login transaction", .loginTransaction) { deployment in
        let query =
            "client_id=cli&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&response_type=code&scope=openid+email"
            + "&state=s-0123456789&nonce=n-0123456789&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
            + "&code_challenge_method=S256"
        let request = try AuthorizationRequest.validate(try FormParameters.parse(query), config: deployment.config)
        return LoginTransaction(request: request, bindingCookie: "binding-cookie-value")
    }

    /// Sign one kind of token with every algorithm; RSA, a thousand times slower, one per sample.
    func tokens<Claims: JWTPayload>(
        _ name: String,
        _ type: TokenSigner.TokenType,
        _ claims: @escaping @Sendable (_ issuer: String) -> Claims
    ) {
        for algorithm in SigningAlgorithm.allCases {
            let rsa = algorithm == .rs256 || algorithm == .ps256
            Benchmark("\(name), \(algorithm.rawValue)", configuration: rsa ? slow : Benchmark.defaultConfiguration) { benchmark in
                let deployment = try Fixture.deployment()
                let issuer = deployment.config.issuer.absoluteString
                let signer = try await TokenSigner(keys: deployment.keys, issuer: issuer)
                let payload = claims(issuer)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(try signer.sign(payload, algorithm: algorithm, type: type))
                }
            }
        }
    }
    tokens("access token", .accessToken, Fixture.accessClaims)
    tokens("ID token", .idToken, Fixture.idClaims)

    Benchmark("form parse, a client_credentials body") { benchmark in
        let body = "grant_type=client_credentials&client_id=bench-es256&client_secret=bench-secret&scope=api%3Aread"
        for _ in benchmark.scaledIterations {
            blackHole(try FormParameters.parse(body))
        }
    }

    // References for the token figures: the two steps a token is made of, alone.
    Benchmark("reference: JSONEncoder, access token claims") { benchmark in
        let claims = Fixture.accessClaims("http://127.0.0.1:8080")
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try encoder.encode(claims))
        }
    }

    Benchmark("reference: P-256 signature of 400 bytes (swift-crypto)") { benchmark in
        let key = P256.Signing.PrivateKey()
        let input = [UInt8](repeating: 65, count: 400)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try key.signature(for: input))
        }
    }

    Benchmark("access token verification, ES256") { benchmark in
        let deployment = try Fixture.deployment()
        let issuer = deployment.config.issuer.absoluteString
        let signer = try await TokenSigner(keys: deployment.keys, issuer: issuer)
        let token = try signer.sign(Fixture.accessClaims(issuer), algorithm: .es256, type: .accessToken)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await signer.verifyAccessToken(token, now: Date()))
        }
    }

    Benchmark("password verification, bcrypt cost 10 (alice)", configuration: slow) { benchmark in
        let deployment = try Fixture.deployment()
        let hash = deployment.config.users.first { $0.username == "alice" }!.passwordHash
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(PasswordHash.verify("alice-password", against: hash))
        }
    }

    // The second factors' verification, without the state store's round trips: a TOTP code
    // (one HMAC per step in the window) and a passkey assertion (JSON, authenticator data,
    // one signature verification), against the P-256 verification it is mostly made of.
    Benchmark("TOTP verification, SHA-1, 6 digits") { benchmark in
        let config = TOTPConfig(secret: Array("12345678901234567890".utf8))
        let now = Date()
        let code = TOTP.code(config, step: TOTP.step(at: now, period: 30))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(TOTP.matchingStep(code, config, now: now))
        }
    }

    Benchmark("reference: P-256 verification of 400 bytes (swift-crypto)") { benchmark in
        let key = P256.Signing.PrivateKey()
        let input = [UInt8](repeating: 65, count: 400)
        let signature = try key.signature(for: input)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(key.publicKey.isValidSignature(signature, for: input))
        }
    }

    for algorithm in PasskeyPublicKey.Algorithm.allCases {
        Benchmark("passkey assertion verification, \(algorithm.rawValue)") { benchmark in
            let rp = WebAuthnRelyingParty(id: "localhost", origin: "http://localhost:8080")
            let challenge = [UInt8](repeating: 7, count: 32)
            let client = Array(
                #"{"type":"webauthn.get","challenge":"\#(Data(challenge).base64URLEncodedString)","origin":"http://localhost:8080","crossOrigin":false}"#
                    .utf8
            )
            let authData = Array(SHA256.hash(data: Data("localhost".utf8))) + [0x05, 0, 0, 0, 9]
            let signed = authData + Array(SHA256.hash(data: client))
            let jwk: [String: String]
            let signature: [UInt8]
            func encode(_ bytes: some DataProtocol) -> String { Data(bytes).base64URLEncodedString }
            switch algorithm {
            case .es256:
                let key = P256.Signing.PrivateKey()
                let point = Array(key.publicKey.x963Representation)
                jwk = ["kty": "EC", "crv": "P-256", "x": encode(point[1..<33]), "y": encode(point[33...])]
                signature = Array(try key.signature(for: signed).derRepresentation)
            case .eddsa:
                let key = Curve25519.Signing.PrivateKey()
                jwk = ["kty": "OKP", "crv": "Ed25519", "x": encode(key.publicKey.rawRepresentation)]
                signature = Array(try key.signature(for: signed))
            case .rs256:
                let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
                let primitives = try key.publicKey.getKeyPrimitives()
                jwk = ["kty": "RSA", "n": encode(primitives.modulus), "e": encode(primitives.publicExponent)]
                signature = Array(try key.signature(for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5).rawRepresentation)
            }
            let publicKey = try PasskeyPublicKey(jwk: jwk)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(
                    try rp.verifyAssertion(
                        publicKey: publicKey,
                        clientDataJSON: client,
                        authenticatorData: authData,
                        signature: signature,
                        challenge: challenge,
                        requireUserVerification: true
                    )
                )
            }
        }
    }
}
