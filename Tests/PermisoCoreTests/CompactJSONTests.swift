import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// The hand-written JSON of access tokens and token responses must be byte for byte what
/// JSONEncoder writes (sorted keys, unescaped slashes, dates in seconds): signatures and
/// clients see exactly the bytes they saw before.
@Suite("Compact JSON")
struct CompactJSONTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    /// Every control character, both characters JSON must escape, a slash, DEL, accents,
    /// an emoji and a line separator.
    static let awkward =
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        + "\"\\/ \u{7F} café ☃ 🦊 \u{2028}"

    static func claims(_ text: String, audiences: [String], authTime: Date?, sid: String?) -> AccessTokenClaims {
        AccessTokenClaims(
            iss: "https://id.example.com/\(text)",
            sub: "user \(text)",
            aud: audiences,
            exp: Date(timeIntervalSince1970: 1_800_000_600.75),
            iat: Date(timeIntervalSince1970: 1_800_000_000),
            jti: UUID().uuidString,
            clientID: "client \(text)",
            scope: ["openid", text],
            authTime: authTime,
            sid: sid
        )
    }

    @Test("Access token claims, with one or many audiences and with or without the optional claims")
    func accessTokenClaims() throws {
        for text in ["plain", Self.awkward] {
            for audiences in [["https://api.example.com"], ["a", "b \(text)"], []] {
                for (authTime, sid) in [(Date(timeIntervalSince1970: 1_799_999_000), "s \(text)"), (nil, nil)] {
                    let claims = Self.claims(text, audiences: audiences, authTime: authTime, sid: sid)
                    let expected = try Self.encoder.encode(claims)
                    #expect(
                        claims.compactJSON == Array(expected),
                        "\(String(decoding: claims.compactJSON, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))"
                    )
                }
            }
        }
    }

    @Test("Token responses with and without refresh and ID tokens")
    func tokenResponses() throws {
        for text in ["plain", Self.awkward] {
            for refresh in [nil, "r.\(text)"] {
                for id in [nil, "i.\(text)"] {
                    let response = TokenResponse(
                        accessToken: "a.\(text)",
                        expiresIn: 600,
                        scope: ["openid", text],
                        refreshToken: refresh,
                        idToken: id
                    )
                    #expect(response.compactJSON == Array(try Self.encoder.encode(response)))
                }
            }
        }
    }
}
