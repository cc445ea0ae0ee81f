import Crypto
import CryptoExtras
import Foundation
import JWTKit
import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("Signed tokens")
struct TokenSignerTests {
    static let issuer = "http://127.0.0.1:8080"
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func ring() throws -> KeyRing { try KeyRing.load(directory: Repository.root + "/keys") }

    func claims(expiresIn seconds: TimeInterval = 600, issuer: String = issuer) -> AccessTokenClaims {
        AccessTokenClaims(
            iss: issuer,
            sub: "alice",
            aud: ["https://api.example.com"],
            exp: now.addingTimeInterval(seconds),
            iat: now,
            jti: "j1",
            clientID: "demo",
            scope: ["openid", "email"],
            authTime: now,
            sid: "s1"
        )
    }

    /// A compact JWS made by hand, for tokens Permiso would never sign.
    func jws(header: String, payload: Data, sign: (Data) throws -> Data) rethrows -> String {
        let input = Data(header.utf8).base64URLEncodedString + "." + payload.base64URLEncodedString
        return input + "." + (try sign(Data(input.utf8))).base64URLEncodedString
    }

    @Test("Access tokens sign and verify with every algorithm, as typ at+jwt", arguments: SigningAlgorithm.allCases)
    func roundTrip(_ algorithm: SigningAlgorithm) async throws {
        let ring = try ring()
        let signer = try await TokenSigner(keys: ring, issuer: Self.issuer)
        let token = try signer.sign(claims(), algorithm: algorithm, type: .accessToken)
        let header =
            try JSONSerialization.jsonObject(
                with: Data(base64URLEncoded: token.split(separator: ".")[0])!
            ) as! [String: String]
        #expect(header == ["alg": algorithm.rawValue, "typ": "at+jwt", "kid": ring.activeKey(for: algorithm)!.kid])
        let verified = try await signer.verifyAccessToken(token, now: now)
        #expect(verified == claims())
        #expect(verified.scopes == ["openid", "email"])
    }

    @Test("An independent verifier (swift-crypto, from the JWKS alone) accepts the signatures")
    func independentVerification() async throws {
        let ring = try ring()
        let signer = try await TokenSigner(keys: ring, issuer: Self.issuer)
        for algorithm in SigningAlgorithm.allCases {
            let token = try signer.sign(claims(), algorithm: algorithm, type: .accessToken)
            let parts = token.split(separator: ".")
            let input = Data("\(parts[0]).\(parts[1])".utf8)
            let signature = try #require(Data(base64URLEncoded: parts[2]))
            let jwk = try #require(ring.activeKey(for: algorithm)?.publicJWK)
            let valid: Bool
            switch algorithm {
            case .rs256, .ps256:
                let key = try _RSA.Signing.PublicKey(
                    n: Data(base64URLEncoded: jwk.n!)!,
                    e: Data(base64URLEncoded: jwk.e!)!
                )
                valid = key.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: signature),
                    for: input,
                    padding: algorithm == .rs256 ? .insecurePKCS1v1_5 : .PSS
                )
            case .es256:
                let key = try P256.Signing.PublicKey(
                    rawRepresentation: Data(base64URLEncoded: jwk.x!)! + Data(base64URLEncoded: jwk.y!)!
                )
                valid = key.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: signature), for: input)
            case .edDSA:
                let key = try Curve25519.Signing.PublicKey(rawRepresentation: Data(base64URLEncoded: jwk.x!)!)
                valid = key.isValidSignature(signature, for: input)
            }
            #expect(valid, "\(algorithm)")
        }
    }

    @Test(
        "Tokens an independent signer (jwt-kit) makes with the published keys verify, with every algorithm",
        arguments: SigningAlgorithm.allCases
    )
    func verifiesIndependentSignatures(_ algorithm: SigningAlgorithm) async throws {
        let ring = try ring()
        let key = try #require(ring.activeKey(for: algorithm))
        let keys = JWTKeyCollection()
        let kid = JWKIdentifier(string: key.kid)
        switch key.material {
        case .rsa(let rsa):
            let jwtKey = try Insecure.RSA.PrivateKey(backing: rsa)
            if algorithm == .ps256 {
                await keys.add(pss: jwtKey, digestAlgorithm: .sha256, kid: kid)
            } else {
                await keys.add(rsa: jwtKey, digestAlgorithm: .sha256, kid: kid)
            }
        case .p256(let p256): await keys.add(ecdsa: try ES256PrivateKey(backing: p256), kid: kid)
        case .ed25519(let ed25519): await keys.add(eddsa: EdDSA.PrivateKey(backing: ed25519), kid: kid)
        }
        var header = JWTHeader()
        header.typ = "at+jwt"
        let token = try await keys.sign(claims(), kid: kid, header: header)
        let signer = try await TokenSigner(keys: ring, issuer: Self.issuer)
        #expect(try await signer.verifyAccessToken(token, now: now) == claims())
    }

    @Test(
        "A changed payload, a changed or truncated signature, or another key of the same algorithm fails",
        arguments: SigningAlgorithm.allCases
    )
    func forgeriesPerAlgorithm(_ algorithm: SigningAlgorithm) async throws {
        let ring = try ring()
        let signer = try await TokenSigner(keys: ring, issuer: Self.issuer)
        let genuine = try signer.sign(claims(), algorithm: algorithm, type: .accessToken)
        let parts = genuine.split(separator: ".").map(String.init)
        var elevated = claims()
        elevated.scope = "openid email admin"
        let tampered = parts[0] + "." + (try JSONEncoder().encode(elevated)).base64URLEncodedString + "." + parts[2]
        var signature = try #require(Data(base64URLEncoded: parts[2]))
        signature[signature.count / 2] ^= 0x01
        let flipped = parts[0] + "." + parts[1] + "." + signature.base64URLEncodedString
        let truncated = parts[0] + "." + parts[1] + "." + signature.dropLast().base64URLEncodedString
        // A key of the same algorithm that is not this issuer's, under the active key's kid.
        let input = Data((parts[0] + "." + parts[1]).utf8)
        let foreignSignature: Data
        switch algorithm {
        case .rs256:
            foreignSignature = try _RSA.Signing.PrivateKey(keySize: .bits2048).signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation
        case .ps256: foreignSignature = try _RSA.Signing.PrivateKey(keySize: .bits2048).signature(for: input, padding: .PSS).rawRepresentation
        case .es256: foreignSignature = try P256.Signing.PrivateKey().signature(for: input).rawRepresentation
        case .edDSA: foreignSignature = try Curve25519.Signing.PrivateKey().signature(for: input)
        }
        let foreign = parts[0] + "." + parts[1] + "." + foreignSignature.base64URLEncodedString
        for (name, token) in [("tampered", tampered), ("flipped", flipped), ("truncated", truncated), ("foreign", foreign)] {
            await #expect(throws: OAuthError.invalidToken("the access token's signature or contents are not valid"), "\(name)") {
                try await signer.verifyAccessToken(token, now: now)
            }
        }
        #expect(try await signer.verifyAccessToken(genuine, now: now) == claims())
    }

    @Test("alg none, a tampered payload, a foreign key, a swapped alg, an unknown kid and garbage are refused")
    func forgeries() async throws {
        let ring = try ring()
        let signer = try await TokenSigner(keys: ring, issuer: Self.issuer)
        let kid = try #require(ring.activeKey(for: .rs256)?.kid)
        let payload = try JSONEncoder().encode(claims())
        let genuine = try signer.sign(claims(), algorithm: .rs256, type: .accessToken)
        let parts = genuine.split(separator: ".").map(String.init)

        let unsigned = jws(header: #"{"alg":"none","kid":"\#(kid)","typ":"at+jwt"}"#, payload: payload) { _ in Data() }
        var elevated = claims()
        elevated.scope = "openid email admin"
        let tampered = parts[0] + "." + (try JSONEncoder().encode(elevated)).base64URLEncodedString + "." + parts[2]
        let foreignKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let foreign = try jws(header: #"{"alg":"RS256","kid":"\#(kid)","typ":"at+jwt"}"#, payload: payload) {
            try foreignKey.signature(for: $0, padding: .insecurePKCS1v1_5).rawRepresentation
        }
        // The classic confusion: HMAC keyed with the public key, under the RSA key's kid.
        let publicPEM = try _RSA.Signing.PublicKey(
            n: Data(base64URLEncoded: ring.activeKey(for: .rs256)!.publicJWK.n!)!,
            e: Data([1, 0, 1])
        ).pemRepresentation
        let confused = jws(header: #"{"alg":"HS256","kid":"\#(kid)","typ":"at+jwt"}"#, payload: payload) {
            Data(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: Data(publicPEM.utf8))))
        }
        let unknownKid = try jws(header: #"{"alg":"RS256","kid":"nope","typ":"at+jwt"}"#, payload: payload) {
            try foreignKey.signature(for: $0, padding: .insecurePKCS1v1_5).rawRepresentation
        }
        for (name, token) in [
            ("alg none", unsigned), ("tampered", tampered), ("foreign key", foreign), ("HS256 confusion", confused),
            ("unknown kid", unknownKid), ("garbage", "a.b.c"), ("two parts", parts[0] + "." + parts[1]), ("empty", ""),
            ("four parts", genuine + ".x"), ("a trailing dot", genuine + "."),
            ("over 16 KiB", parts[0] + "." + parts[1] + String(repeating: "A", count: 16_384) + "." + parts[2]),
            ("a dot with a combining mark", parts[0] + ".\u{301}" + parts[1] + "." + parts[2]),
        ] {
            await #expect(throws: OAuthError.self, "\(name)") { try await signer.verifyAccessToken(token, now: now) }
        }
    }

    @Test("An ID token, an expired token, or another issuer's token is not a valid access token")
    func wrongKind() async throws {
        let signer = try await TokenSigner(keys: try ring(), issuer: Self.issuer)
        let idToken = try signer.sign(claims(), algorithm: .es256, type: .idToken)
        await #expect(throws: OAuthError.invalidToken("the token is not of the expected type: its typ is not at+jwt")) {
            try await signer.verifyAccessToken(idToken, now: now)
        }
        let expired = try signer.sign(claims(expiresIn: 60), algorithm: .es256, type: .accessToken)
        await #expect(throws: OAuthError.invalidToken("the access token has expired")) {
            try await signer.verifyAccessToken(expired, now: now.addingTimeInterval(60))
        }
        let other = try signer.sign(claims(issuer: "https://evil.example.com"), algorithm: .es256, type: .accessToken)
        await #expect(throws: OAuthError.invalidToken("the access token was issued by someone else")) {
            try await signer.verifyAccessToken(other, now: now)
        }
    }

    @Test("Tokens signed by a retired key verify until it is removed; keys not in the ring never do")
    func retiredKeys() async throws {
        let directory = try TemporaryDirectory()
        let keys = KeyDirectory(path: directory.file("keys"))
        try keys.generate(.es256)
        try keys.generate(.es256)
        let before = try await TokenSigner(keys: try KeyRing.load(directory: keys.path), issuer: Self.issuer)
        let token = try before.sign(claims(), algorithm: .es256, type: .accessToken)
        try keys.rotate(
            policy: .init(signingRetention: 3_600, sealingRetention: 3_600, minimumNextAge: 0),
            now: Date().addingTimeInterval(1)
        )
        let after = try await TokenSigner(keys: try KeyRing.load(directory: keys.path), issuer: Self.issuer)
        #expect(try await after.verifyAccessToken(token, now: now) == claims())
        let stranger = try await TokenSigner(keys: try ring(), issuer: Self.issuer)
        await #expect(throws: OAuthError.self) { try await stranger.verifyAccessToken(token, now: now) }
    }
}
