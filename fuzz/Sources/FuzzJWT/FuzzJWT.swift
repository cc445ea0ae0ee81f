import Foundation
import FuzzSupport
import JWTKit
import PermisoCore

/// JWT verification as userinfo reads access tokens and RP-initiated logout reads
/// `id_token_hint`. Either any text, or a real token of each algorithm with the fuzzer's
/// edits: a token that still verifies carries the real token's claims, and a token of one
/// type never verifies as the other (RFC 8725 §3.11, RFC 9068 §2.1).
@main
enum FuzzJWT {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let signer = FuzzFixture.signer
    let now = FuzzFixture.now
    switch input.choice(2) {
    case 0:
        let text = input.restAsText()
        FuzzFixture.blocking {
            _ = try? await signer.verifyAccessToken(text, now: now)
            _ = try? await signer.verifyIDTokenHint(text)
        }
    default:
        let real = RealTokens.all[input.choice(RealTokens.all.count)]
        let text = input.edited(real.token)
        let (access, hint) = FuzzFixture.blocking {
            (try? await signer.verifyAccessToken(text, now: now), try? await signer.verifyIDTokenHint(text))
        }
        if let access {
            fuzzAssert(real.type == .accessToken, "an ID token verified as an access token")
            fuzzAssert(access.jti.value == RealTokens.jti && access.subject == FuzzFixture.alice.subject, "claims changed: \(text)")
        }
        if let hint {
            fuzzAssert(real.type == .idToken, "an access token verified as an ID token")
            fuzzAssert(hint.sid == "s-fuzz" && hint.sub == FuzzFixture.alice.subject, "claims changed: \(text)")
        }
    }
    return 0
}

/// One access token and one ID token per algorithm, signed with the example keys.
enum RealTokens {
    static let jti = "jti-fuzz"

    struct Token: Sendable {
        var type: TokenSigner.TokenType
        var token: String
    }

    static let all: [Token] = SigningAlgorithm.allCases.flatMap { algorithm -> [Token] in
        let issuer = FuzzFixture.issuerText
        let now = FuzzFixture.now
        let subject = FuzzFixture.alice.subject
        let access = AccessTokenClaims(
            iss: issuer,
            sub: subject,
            aud: [issuer],
            exp: now.addingTimeInterval(600),
            iat: now,
            jti: jti,
            clientID: "cli",
            scope: ["openid"],
            sid: "s-fuzz"
        )
        let id = IDTokenClaims(
            iss: issuer,
            sub: subject,
            clientID: "cli",
            exp: now.addingTimeInterval(600),
            iat: now,
            authTime: Int(now.timeIntervalSince1970),
            nonce: "n1",
            atHash: nil,
            sid: "s-fuzz",
            amr: ["pwd"],
            userClaims: ["email": "alice@example.com"]
        )
        return [
            Token(type: .accessToken, token: try! FuzzFixture.signer.sign(access, algorithm: algorithm, type: .accessToken)),
            Token(type: .idToken, token: try! FuzzFixture.signer.sign(id, algorithm: algorithm, type: .idToken)),
        ]
    }
}
