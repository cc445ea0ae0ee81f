import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// One-time recovery codes: their format, single use on any instance, the shared throttle,
/// and the config entry that lists their hashes.
@Suite("Recovery codes")
struct RecoveryCodeTests {
    func signIn(store: any StateStore = MemoryStateStore()) async throws -> (RecoveryCodeSignIn, UserConfig, [String]) {
        let deployment = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let issuer = TokenIssuer(
            deployment: deployment,
            signer: try await TokenSigner(keys: deployment.keys, issuer: "http://127.0.0.1:8080"),
            sealer: try #require(Sealer(keys: deployment.keys, issuer: "http://127.0.0.1:8080"))
        )
        var user = try #require(deployment.config.user(username: "alice"))
        let codes = (0..<3).map { _ in RecoveryCodeSignIn.generate() }
        user.totp = TOTPConfig(secret: [UInt8](repeating: 1, count: 20))
        user.recoveryCodes = codes.map { RecoveryCodeSignIn.hash(RecoveryCodeSignIn.normalize($0)!) }
        return (RecoveryCodeSignIn(FlowContext(issuer: issuer, state: ProtocolState(store: store))), user, codes)
    }

    @Test("Codes are four groups of four base32 symbols, 80 random bits; typing forgives case, spaces and dashes only")
    func format() {
        let codes = Set((0..<200).map { _ in RecoveryCodeSignIn.generate() })
        #expect(codes.count == 200)
        for code in codes {
            #expect(code.wholeMatch(of: #/[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}/#) != nil, "\(code)")
        }
        #expect(RecoveryCodeSignIn.normalize("abcd efgh-ijkl-mnop") == "ABCDEFGHIJKLMNOP")
        for bad in ["ABCD-EFGH-IJKL-MNO", "ABCD-EFGH-IJKL-MNOPQ", "ABCD-EFGH-IJKL-MNO1", "ABCD_EFGH_IJKL_MNOP", ""] {
            #expect(RecoveryCodeSignIn.normalize(bad) == nil, "\(bad)")
        }
        #expect(RecoveryCodeSignIn.hash("ABCDEFGHIJKLMNOP") == "sha256:" + Data(SHA256Bytes.of("ABCDEFGHIJKLMNOP")).base64URLEncodedString)
    }

    @Test("A code signs in once, on any instance; another user's code, or one not listed, never")
    func singleUse() async throws {
        let store = MemoryStateStore()
        let (first, user, codes) = try await signIn(store: store)
        let (second, _, _) = try await signIn(store: store)
        #expect(try await first.verify(user: user, code: codes[0].lowercased(), address: "192.0.2.1") == .success(0))
        #expect(try await second.verify(user: user, code: codes[0], address: "192.0.2.2") == .failure(.incorrectRecoveryCode))
        #expect(try await second.verify(user: user, code: codes[1], address: "192.0.2.2") == .success(1), "the others still work")
        #expect(try await first.verify(user: user, code: RecoveryCodeSignIn.generate(), address: "192.0.2.1") == .failure(.incorrectRecoveryCode))
        var bob = user
        bob.subject = "bob"
        bob.username = "bob"
        bob.recoveryCodes = []
        #expect(try await first.verify(user: bob, code: codes[2], address: "192.0.2.1") == .failure(.incorrectRecoveryCode))
    }

    @Test("Wrong recovery codes count in the sign-in throttle; then even a right one is refused unchecked")
    func throttled() async throws {
        let (recovery, user, codes) = try await signIn()
        for _ in 0..<SignInThrottle.attemptsPerUser {
            #expect(try await recovery.verify(user: user, code: "AAAA-AAAA-AAAA-AAAA", address: "192.0.2.9") == .failure(.incorrectRecoveryCode))
        }
        #expect(try await recovery.verify(user: user, code: codes[0], address: "192.0.2.9") == .failure(.throttled))
        #expect(try await recovery.verify(user: user, code: codes[0], address: "192.0.2.10") == .success(0))
    }

    @Test("The store unreachable: temporarily_unavailable, never a sign-in")
    func storeOutage() async throws {
        let (recovery, user, codes) = try await signIn(store: UnreachableStore())
        await #expect(throws: OAuthError.self) { try await recovery.verify(user: user, code: codes[0], address: "192.0.2.1") }
    }

    @Test("The config lists hashes only, each once, and only for a user with a second factor to recover")
    func configEntry() throws {
        let hash = RecoveryCodeSignIn.hash(RecoveryCodeSignIn.normalize(RecoveryCodeSignIn.generate())!)
        func yaml(_ lines: String) -> String {
            Fixture.config().replacingOccurrences(of: "    claims:\n      email: alice", with: lines + "\n    claims:\n      email: alice")
        }
        let directory = try TemporaryDirectory()
        try directory.write("alice.totp", Base32.encode([UInt8](repeating: 7, count: 20)))
        let good = try PermisoConfig.load(
            file: try directory.write("permiso.yaml", yaml("    totp:\n      secret: ./alice.totp\n    recoveryCodes:\n      - \(hash)")),
            environment: [:]
        )
        #expect(good.users.first?.recoveryCodes == [hash])
        let noFactor = try diagnostics(yaml("    recoveryCodes:\n      - \(hash)"))
        #expect(
            noFactor == [
                "permiso.yaml:12:7: error: users[0].recoveryCodes: recovery codes stand in for a lost second factor: add totp or a passkey first"
            ]
        )
        let plain = try diagnostics(yaml("    recoveryCodes:\n      - ABCD-EFGH-IJKL-MNOP"), files: ["alice.totp": ""])
        #expect(plain.contains { $0.contains("a recovery code is listed by its hash") })
    }
}
