import Crypto
import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("Keys")
struct KeyTests {
    @Test("RFC 7638 §3.1's example key has the thumbprint the RFC gives")
    func rfc7638KnownAnswer() {
        let key = JSONWebKey(
            kty: "RSA",
            n:
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            e: "AQAB"
        )
        #expect(key.thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        // Members outside the required set (alg, kid, use) do not change the thumbprint (RFC 7638 §3.3).
        var decorated = key
        decorated.alg = "RS256"
        decorated.kid = "anything"
        decorated.use = "sig"
        #expect(decorated.thumbprint() == key.thumbprint())
    }

    @Test("RFC 8037 §A.3's Ed25519 key has the thumbprint the RFC gives")
    func rfc8037KnownAnswer() {
        let key = JSONWebKey(kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
        #expect(key.thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    }

    @Test("Every algorithm's key round-trips through PKCS#8 PEM with the same kid", arguments: SigningAlgorithm.allCases)
    func pemRoundTrip(_ algorithm: SigningAlgorithm) throws {
        let key = try SigningKey.generate(algorithm)
        #expect(key.pkcs8PEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let loaded = try SigningKey.load(pem: key.pkcs8PEM, algorithm: algorithm)
        #expect(loaded.kid == key.kid)
        #expect(loaded.publicJWK == key.publicJWK)
        #expect(key.publicJWK.alg == algorithm.rawValue)
        #expect(key.publicJWK.use == "sig")
        #expect(key.publicJWK.kid == key.publicJWK.thumbprint())
    }

    @Test("The JWK of a P-256 key carries the public point swift-crypto reads back")
    func p256PublicPoint() throws {
        let key = try SigningKey.generate(.es256)
        guard case .p256(let privateKey) = key.material else {
            Issue.record("not a P-256 key")
            return
        }
        let x = try #require(key.publicJWK.x.flatMap { Data(base64URLEncoded: $0) })
        let y = try #require(key.publicJWK.y.flatMap { Data(base64URLEncoded: $0) })
        let rebuilt = try P256.Signing.PublicKey(rawRepresentation: x + y)
        #expect(rebuilt.rawRepresentation == privateKey.publicKey.rawRepresentation)
    }

    @Test("A key file whose kind disagrees with the manifest names both")
    func algorithmMismatch() throws {
        let rsa = try SigningKey.generate(.rs256)
        #expect(throws: KeyLoadProblem.algorithmMismatch(expected: .es256, actual: .rsa)) {
            try SigningKey.load(pem: rsa.pkcs8PEM, algorithm: .es256)
        }
        #expect(throws: KeyLoadProblem.unreadable("not a PKCS#8 PEM private key")) {
            try SigningKey.load(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", algorithm: .rs256)
        }
    }

    @Test("generate → rotate → rotate moves keys through next, active and retired")
    func rotation() throws {
        let directory = try TemporaryDirectory()
        let keys = KeyDirectory(path: directory.file("keys"))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let policy = KeyDirectory.RotationPolicy(signingRetention: 3_600, sealingRetention: 86_400, minimumNextAge: 300)

        try keys.generate(.rs256, now: start)
        try keys.generate(.rs256, now: start)
        try keys.generateSealingSecret(now: start)
        try keys.generateSealingSecret(now: start)
        var ring = try KeyRing.load(directory: keys.path)
        let first = try #require(ring.activeKey(for: .rs256))
        let second = try #require(ring.signing.first { $0.entry.state == .next }?.key)
        let firstSecret = try #require(ring.activeSealingSecret)

        // Rotating before the next key has been published for one JWKS cache time is refused.
        #expect(throws: KeyOperationError.self) {
            try keys.rotate(policy: policy, now: start.addingTimeInterval(10))
        }

        let firstRotation = start.addingTimeInterval(600)
        try keys.rotate(policy: policy, now: firstRotation)
        ring = try KeyRing.load(directory: keys.path)
        #expect(ring.activeKey(for: .rs256)?.kid == second.kid)
        #expect(states(ring) == [first.kid: .retired, second.kid: .active, third(ring, excluding: [first.kid, second.kid]): .next])
        let retired = try #require(ring.signing.first { $0.key.kid == first.kid }?.entry)
        #expect(retired.keepUntil == firstRotation.addingTimeInterval(3_600))
        #expect(ring.activeSealingSecret?.id != firstSecret.id)
        #expect(ring.sealing.first { $0.secret.id == firstSecret.id }?.entry.state == .retired)
        #expect(ring.publicKeySet.keys.map(\.kid) == [second.kid, third(ring, excluding: [first.kid, second.kid]), first.kid])

        // The second rotation, after the first retired key's time, removes it and its file.
        let thirdKid = third(ring, excluding: [first.kid, second.kid])
        let secondRotation = firstRotation.addingTimeInterval(7_200)
        try keys.rotate(policy: policy, now: secondRotation)
        ring = try KeyRing.load(directory: keys.path)
        #expect(ring.activeKey(for: .rs256)?.kid == thirdKid)
        #expect(ring.signing.first { $0.key.kid == second.kid }?.entry.state == .retired)
        #expect(ring.signing.contains { $0.key.kid == first.kid } == false)
        #expect(!FileManager.default.fileExists(atPath: keys.path + "/rs256-\(first.kid.prefix(8)).pem"))
        #expect(ring.signing.count == 3)
    }

    @Test("A key's rotation falls due a lifetime after it became active, not after it was made")
    func activation() throws {
        let directory = try TemporaryDirectory()
        let keys = KeyDirectory(path: directory.file("keys"))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let policy = KeyDirectory.RotationPolicy(signingRetention: 3_600, sealingRetention: 86_400, minimumNextAge: 300)
        try keys.generate(.es256, now: start)
        try keys.generate(.es256, now: start)
        try keys.generateSealingSecret(now: start)
        try keys.generateSealingSecret(now: start)
        var ring = try KeyRing.load(directory: keys.path)
        let active = try #require(ring.signing.first { $0.entry.state == .active }?.entry)
        let waiting = try #require(ring.signing.first { $0.entry.state == .next }?.entry)
        #expect(active.activated == start && waiting.activated == nil)
        #expect(ring.sealing.map(\.entry.activated) == [start, nil])

        // The next key waited 89 days: due 90 days after its promotion, not one day after it.
        let rotation = start.addingTimeInterval(89 * 86_400)
        try keys.rotate(policy: policy, now: rotation)
        ring = try KeyRing.load(directory: keys.path)
        let promoted = try #require(ring.signing.first { $0.entry.file == waiting.file }?.entry)
        #expect(promoted.state == .active && promoted.created == start && promoted.activated == rotation)
        #expect(promoted.rotationDue(lifetime: 90 * 86_400) == rotation.addingTimeInterval(90 * 86_400))
        #expect(ring.sealing.first { $0.entry.state == .active }?.entry.activated == rotation)
        // A manifest written before activation was recorded: the creation time stands in.
        var old = promoted
        old.activated = nil
        #expect(old.rotationDue(lifetime: 60) == start.addingTimeInterval(60))
        let text = try String(contentsOfFile: keys.path + "/manifest.yaml", encoding: .utf8)
        #expect(text.contains("    activated: \(Timestamp.format(rotation))"))
    }

    @Test("Rotating without a pre-published next key is refused with the way forward")
    func rotateNeedsNext() throws {
        let directory = try TemporaryDirectory()
        let keys = KeyDirectory(path: directory.file("keys"))
        try keys.generate(.es256)
        let policy = KeyDirectory.RotationPolicy(signingRetention: 60, sealingRetention: 60, minimumNextAge: 0)
        let error = try #require(throws: KeyOperationError.self) { try keys.rotate(policy: policy) }
        #expect(error.description.hasPrefix("ES256 has no next key to promote; run `permiso keys generate --alg ES256`"))
    }

    @Test("The JWKS holds no private member")
    func jwksIsPublic() throws {
        let ring = try KeyRing.load(directory: Repository.root + "/keys")
        let json = try StableJSON.encode(ring.publicKeySet)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: [[String: Any]]])
        let keys = try #require(object["keys"])
        #expect(keys.count == ring.signing.count)
        for key in keys {
            for member in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
                #expect(key[member] == nil, "member \(member) in \(key["kid"] ?? "?")")
            }
        }
        #expect(Set(keys.compactMap { $0["kty"] as? String }) == ["RSA", "EC", "OKP"])
    }

    @Test("Manifest problems are reported with their positions")
    func manifestProblems() throws {
        let directory = try TemporaryDirectory()
        let keys = KeyDirectory(path: directory.file("keys"))
        try keys.generate(.rs256)
        let manifest = directory.file("keys/manifest.yaml")
        let rsaFile = try #require(try String(contentsOfFile: manifest, encoding: .utf8).firstMatch(of: /rs256-[^\n]+\.pem/))
        try directory.write(
            "keys/manifest.yaml",
            """
            signing:
              - file: \(rsaFile.output)
                algorithm: ES256
                state: active
                created: 2026-01-01T00:00:00Z
              - file: missing.pem
                algorithm: RS256
                state: retired
                created: 2026-01-01T00:00:00Z
              - file: \(rsaFile.output)
                algorithm: RS256
                state: current
                created: yesterday
            """
        )
        let error = try #require(throws: ConfigError.self) { try KeyRing.load(directory: keys.path) }
        let lines = error.diagnostics.map { $0.description.replacingOccurrences(of: directory.path + "/", with: "") }
        #expect(
            lines == [
                "keys/manifest.yaml:2:5: error: signing[0]: \(rsaFile.output): the file holds an RSA key, but ES256 needs a P-256 key",
                "keys/manifest.yaml:6:5: error: signing[1]: a retired key needs keepUntil: the time until which it stays published",
                "keys/manifest.yaml:6:5: error: signing[1]: cannot read keys/missing.pem: no such file",
                "keys/manifest.yaml:12:12: error: signing[2].state: expected one of active, next, retired, got \"current\"",
                "keys/manifest.yaml:13:14: error: signing[2].created: expected an RFC 3339 time such as 2026-01-31T12:00:00Z, got \"yesterday\"",
            ]
        )
    }

    @Test("Two active keys for one algorithm, or the same key twice, are refused")
    func duplicates() throws {
        let directory = try TemporaryDirectory()
        let keys = KeyDirectory(path: directory.file("keys"))
        try keys.generate(.es256)
        try keys.generate(.es256)
        let text = try String(contentsOfFile: directory.file("keys/manifest.yaml"), encoding: .utf8)
        try directory.write("keys/manifest.yaml", text.replacingOccurrences(of: "state: next", with: "state: active"))
        let error = try #require(throws: ConfigError.self) { try KeyRing.load(directory: keys.path) }
        #expect(error.diagnostics.map(\.message) == ["a second active ES256 key; there can be only one"])
    }

    @Test("Sealing secrets are at least 256 bits")
    func sealingSecretSize() throws {
        #expect(throws: KeyLoadProblem.unreadable("a sealing secret needs at least 32 bytes, this one has 16")) {
            try SealingSecret.load(text: Data(repeating: 7, count: 16).base64URLEncodedString)
        }
        let secret = SealingSecret.generate()
        #expect(try SealingSecret.load(text: secret.fileContents).id == secret.id)
    }

    private func states(_ ring: KeyRing) -> [String: KeyState] {
        Dictionary(uniqueKeysWithValues: ring.signing.map { ($0.key.kid, $0.entry.state) })
    }

    private func third(_ ring: KeyRing, excluding: [String]) -> String {
        ring.signing.map(\.key.kid).first { !excluding.contains($0) } ?? ""
    }
}
