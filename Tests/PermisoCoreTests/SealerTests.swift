import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("Sealed values")
struct SealerTests {
    struct Code: Codable, Equatable, Sendable {
        var client: String
        var subject: String
    }

    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let first = SealingSecret.generate()
    let second = SealingSecret.generate()
    let payload = Code(client: "web", subject: "alice")

    func sealer(
        active: SealingSecret? = nil,
        others: [SealingSecret] = [],
        issuer: String = "https://id.example.com"
    )
        -> Sealer
    {
        Sealer(active: active ?? first, others: others, issuer: issuer)
    }

    @Test("A sealed value opens with its payload, a fresh jti and its expiry")
    func roundTrip() throws {
        let sealer = sealer()
        let text = try sealer.seal(payload, purpose: .code, expiresAt: now.addingTimeInterval(60))
        let opened = try sealer.open(text, as: Code.self, purpose: .code, now: now)
        #expect(opened.payload == payload)
        #expect(opened.expiresAt == now.addingTimeInterval(60))
        #expect(opened.jti.count == 22)
        let again = try sealer.seal(payload, purpose: .code, expiresAt: now.addingTimeInterval(60))
        #expect(again != text)
        #expect(try sealer.open(again, as: Code.self, purpose: .code, now: now).jti != opened.jti)
        // URL-safe: nothing to escape in a query string, form or cookie.
        #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        // The payload is not readable inside the value.
        #expect(!String(decoding: Data(base64URLEncoded: text)!, as: UTF8.self).contains("alice"))
    }

    @Test("A value sealed for one purpose never opens as another", arguments: SealPurpose.allCases)
    func purposeBinding(_ purpose: SealPurpose) throws {
        let sealer = sealer()
        let text = try sealer.seal(payload, purpose: purpose, expiresAt: now.addingTimeInterval(60))
        for other in SealPurpose.allCases where other != purpose {
            #expect(throws: SealError.notAuthentic) { try sealer.open(text, as: Code.self, purpose: other, now: now) }
        }
    }

    @Test("A value sealed for another issuer does not open, even with the same secret")
    func issuerBinding() throws {
        let text = try sealer(issuer: "https://other.example.com").seal(
            payload,
            purpose: .code,
            expiresAt: now.addingTimeInterval(60)
        )
        #expect(throws: SealError.notAuthentic) { try sealer().open(text, as: Code.self, purpose: .code, now: now) }
    }

    @Test("Expiry is checked against the injected time")
    func expiry() throws {
        let sealer = sealer()
        let text = try sealer.seal(payload, purpose: .code, expiresAt: now.addingTimeInterval(60))
        _ = try sealer.open(text, as: Code.self, purpose: .code, now: now.addingTimeInterval(59))
        #expect(throws: SealError.expired) {
            try sealer.open(text, as: Code.self, purpose: .code, now: now.addingTimeInterval(60))
        }
    }

    @Test("Flipping any bit of a sealed value makes it fail")
    func tampering() throws {
        let sealer = sealer()
        let text = try sealer.seal(payload, purpose: .code, expiresAt: now.addingTimeInterval(60))
        let bytes = Data(base64URLEncoded: text)!
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= 0x01
            #expect(throws: SealError.self) {
                try sealer.open(tampered.base64URLEncodedString, as: Code.self, purpose: .code, now: now)
            }
        }
    }

    @Test(
        "Garbage is refused as malformed, never a crash",
        arguments: ["", "a", "!!!!", "AQ", String(repeating: "A", count: 40), String(repeating: "A", count: 9_000)]
    )
    func garbage(_ text: String) {
        #expect(throws: SealError.self) { try sealer().open(text, as: Code.self, purpose: .code, now: now) }
    }

    @Test("An unknown secret id is refused")
    func unknownSecret() throws {
        let text = try sealer(active: second).seal(payload, purpose: .code, expiresAt: now.addingTimeInterval(60))
        #expect(throws: SealError.unknownSecret) { try sealer().open(text, as: Code.self, purpose: .code, now: now) }
    }

    @Test("Rotation: the active secret seals, every listed secret opens")
    func rotation() throws {
        let before = sealer(active: first, others: [second])  // second is next
        let after = sealer(active: second, others: [first])  // first is retired
        let old = try before.seal(payload, purpose: .refresh, expiresAt: now.addingTimeInterval(600))
        let new = try after.seal(payload, purpose: .refresh, expiresAt: now.addingTimeInterval(600))
        #expect(try after.open(old, as: Code.self, purpose: .refresh, now: now).payload == payload)
        #expect(try before.open(new, as: Code.self, purpose: .refresh, now: now).payload == payload)
        #expect(throws: SealError.unknownSecret) {
            try sealer(active: first).open(new, as: Code.self, purpose: .refresh, now: now)
        }
    }

    @Test("A sealer follows the key ring: active seals, next and retired open")
    func fromKeyRing() throws {
        let ring = try KeyRing.load(directory: Repository.root + "/keys")
        let sealer = try #require(Sealer(keys: ring, issuer: "http://127.0.0.1:8080"))
        let next = try #require(ring.sealing.first { $0.entry.state == .next }?.secret)
        let text = try Sealer(active: next, issuer: "http://127.0.0.1:8080").seal(
            payload,
            purpose: .session,
            expiresAt: now.addingTimeInterval(60)
        )
        #expect(try sealer.open(text, as: Code.self, purpose: .session, now: now).payload == payload)
    }
}

@Suite("Base64url (RFC 4648 §5, unpadded as RFC 7515 §2)")
struct Base64URLTests {
    @Test("Known answers, both ways")
    func knownAnswers() {
        // RFC 4648 §10's vectors, without padding, plus bytes that use the two URL-safe characters.
        let vectors: [(String, String)] = [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            #expect(Data(plain.utf8).base64URLEncodedString == encoded)
            #expect(Data(base64URLEncoded: encoded) == Data(plain.utf8))
        }
        #expect(Data([0xFB, 0xFF, 0xBF]).base64URLEncodedString == "-_-_")
        #expect(Data(base64URLEncoded: "-_-_") == Data([0xFB, 0xFF, 0xBF]))
        #expect(Data(base64URLEncoded: "Zm8=") == Data("fo".utf8), "trailing padding is accepted")
    }

    @Test("Anything outside the alphabet is refused")
    func refused() {
        for bad in ["+/+/", "Zm=8", "Zm9v===", "Z", "Zm9v!", "Zm 9v"] {
            #expect(Data(base64URLEncoded: bad) == nil, "\(bad)")
        }
    }
}
