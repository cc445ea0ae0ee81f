import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// TOTP (RFC 6238) and its place in sign-in: the algorithm against the RFC's own vectors,
/// the window, single use per user and step, the shared throttle, and the config entry.
@Suite("TOTP second factor")
struct TOTPTests {
    /// RFC 6238 Appendix B's seeds: the ASCII digits repeated to the hash's length.
    static func seed(_ length: Int) -> [UInt8] { Array(String(repeating: "1234567890", count: 7).utf8.prefix(length)) }

    @Test(
        "RFC 6238 Appendix B: every vector, for SHA-1, SHA-256 and SHA-512",
        arguments: [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ]
    )
    func appendixB(time: Int, sha1: String, sha256: String, sha512: String) {
        let step = TOTP.step(at: Date(timeIntervalSince1970: TimeInterval(time)), period: 30)
        #expect(TOTP.code(TOTPConfig(secret: Self.seed(20), algorithm: .sha1, digits: 8), step: step) == sha1)
        #expect(TOTP.code(TOTPConfig(secret: Self.seed(32), algorithm: .sha256, digits: 8), step: step) == sha256)
        #expect(TOTP.code(TOTPConfig(secret: Self.seed(64), algorithm: .sha512, digits: 8), step: step) == sha512)
    }

    @Test("Base32: RFC 4648 §10's vectors both ways; lower case, spaces and padding forgiven; nonsense refused")
    func base32() {
        let vectors = ["": "", "f": "MY", "fo": "MZXQ", "foo": "MZXW6", "foob": "MZXW6YQ", "fooba": "MZXW6YTB", "foobar": "MZXW6YTBOI"]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base32.decode("mzxw 6ytb oi======") == Array("foobar".utf8))
        for bad in ["MZXW1", "MZXW6Y!", "M", "MZX", "MZXW6YT"] {
            #expect(Base32.decode(bad) == nil, "\(bad)")
        }
    }

    @Test("One step either side is accepted, two are not; spaces are forgiven; other lengths and characters are not")
    func window() {
        let config = TOTPConfig(secret: Self.seed(20))
        let now = Date(timeIntervalSince1970: 1_800_000_015)
        let current = TOTP.step(at: now, period: 30)
        for offset in -1...1 {
            let code = TOTP.code(config, step: current + Int64(offset))
            #expect(TOTP.matchingStep(code, config, now: now) == current + Int64(offset))
        }
        for offset in [-2, 2] {
            let code = TOTP.code(config, step: current + Int64(offset))
            if code != TOTP.code(config, step: current - 1) && code != TOTP.code(config, step: current)
                && code != TOTP.code(config, step: current + 1)
            {
                #expect(TOTP.matchingStep(code, config, now: now) == nil)
            }
        }
        let code = TOTP.code(config, step: current)
        #expect(TOTP.matchingStep(String(code.prefix(3)) + " " + String(code.suffix(3)), config, now: now) == current)
        for bad in [String(code.prefix(5)), code + "0", "１２３４５６", "12345a", "-12345", ""] {
            #expect(TOTP.matchingStep(bad, config, now: now) == nil, "\(bad)")
        }
    }

    func signIn(store: any StateStore = MemoryStateStore()) async throws -> (TOTPSignIn, UserConfig) {
        let deployment = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:])
        let issuer = TokenIssuer(
            deployment: deployment,
            signer: try await TokenSigner(keys: deployment.keys, issuer: "http://127.0.0.1:8080"),
            sealer: try #require(Sealer(keys: deployment.keys, issuer: "http://127.0.0.1:8080"))
        )
        var user = try #require(deployment.config.user(username: "alice"))
        user.totp = TOTPConfig(secret: Self.seed(20))
        return (TOTPSignIn(FlowContext(issuer: issuer, state: ProtocolState(store: store))), user)
    }

    @Test("A code signs in once per user and step: the same code again, on any instance, is refused")
    func singleUse() async throws {
        let store = MemoryStateStore()
        let (first, user) = try await signIn(store: store)
        let (second, _) = try await signIn(store: store)
        let now = Date(timeIntervalSince1970: 1_800_000_015)
        let step = TOTP.step(at: now, period: 30)
        let code = TOTP.code(user.totp!, step: step)
        #expect(try await first.verify(user: user, code: code, address: "192.0.2.1", now: now) == .success(step))
        #expect(try await second.verify(user: user, code: code, address: "192.0.2.2", now: now) == .failure(.incorrectCode))
        // The next step's code is a new code.
        let later = now.addingTimeInterval(30)
        let next = TOTP.code(user.totp!, step: step + 1)
        #expect(try await first.verify(user: user, code: next, address: "192.0.2.1", now: later) == .success(step + 1))
    }

    @Test("Wrong codes count in the sign-in throttle like wrong passwords; then even the right code is refused unchecked")
    func throttled() async throws {
        let store = MemoryStateStore()
        let (totp, user) = try await signIn(store: store)
        let now = Date(timeIntervalSince1970: 1_800_000_015)
        let step = TOTP.step(at: now, period: 30)
        let right = TOTP.code(user.totp!, step: step)
        let wrong = right == "000000" ? "000001" : "000000"
        for _ in 0..<SignInThrottle.attemptsPerUser {
            #expect(try await totp.verify(user: user, code: wrong, address: "192.0.2.9", now: now) == .failure(.incorrectCode))
        }
        #expect(try await totp.verify(user: user, code: right, address: "192.0.2.9", now: now) == .failure(.throttled))
        // The same budget as the password: that address cannot try alice's password either.
        let password = PasswordSignIn(totp.context, verifier: InlinePasswordVerifier(), decoyHash: Fixture.passwordHash)
        #expect(try await password.verify(username: "alice", password: "alice-password", address: "192.0.2.9") == .failure(.throttled))
        // Another address is not affected (a stranger cannot lock alice out).
        #expect(try await totp.verify(user: user, code: right, address: "192.0.2.10", now: now) == .success(step))
    }

    @Test("Codes one user gets wrong are bounded over all addresses, where six digits from many addresses would add up")
    func perUserBudget() async throws {
        let (totp, user) = try await signIn()
        let now = Date(timeIntervalSince1970: 1_800_000_015)
        let step = TOTP.step(at: now, period: 30)
        let right = TOTP.code(user.totp!, step: step)
        let wrong = right == "000000" ? "000001" : "000000"
        for attempt in 0..<SignInThrottle.codesPerUser {
            let address = "198.51.100.\(attempt / 5 + 1)"  // 5 per address: under every per-address limit
            #expect(try await totp.verify(user: user, code: wrong, address: address, now: now) == .failure(.incorrectCode))
        }
        #expect(try await totp.verify(user: user, code: right, address: "203.0.113.77", now: now) == .failure(.throttled))
    }

    @Test("An unreachable store refuses the code with temporarily_unavailable: never uncounted, never unclaimed")
    func storeOutage() async throws {
        let (totp, user) = try await signIn(store: UnreachableStore())
        let now = Date(timeIntervalSince1970: 1_800_000_015)
        let code = TOTP.code(user.totp!, step: TOTP.step(at: now, period: 30))
        await #expect(throws: OAuthError.temporarilyUnavailable("the state store cannot be reached")) {
            try await totp.verify(user: user, code: code, address: "192.0.2.1", now: now)
        }
    }

    /// The fixture config with `totp` (the given YAML lines, indented under alice).
    func config(_ totp: String) -> String {
        Fixture.config().replacingOccurrences(
            of: "    claims:\n      email: alice@example.com",
            with: "    totp:\n" + totp.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
                + "\n    claims:\n      email: alice@example.com"
        )
    }

    @Test("The config takes the secret by reference only, as base32 of at least 128 bits, with the parameters' ranges")
    func configEntry() throws {
        let secret = Base32.encode(Self.seed(20))
        let directory = try TemporaryDirectory()
        try directory.write("alice.totp", secret + "\n")
        let file = try directory.write("permiso.yaml", config("secret: ./alice.totp\nalgorithm: SHA256\ndigits: 8\nperiod: 60"))
        let loaded = try #require(try PermisoConfig.load(file: file, environment: [:]).user(username: "alice")?.totp)
        #expect(loaded == TOTPConfig(secret: Self.seed(20), algorithm: .sha256, digits: 8, period: 60))
        let fromEnvironment = try PermisoConfig.load(
            file: try directory.write("env.yaml", config("secret: ${ALICE_TOTP}")),
            environment: ["ALICE_TOTP": secret.lowercased()]
        )
        #expect(fromEnvironment.user(username: "alice")?.totp == TOTPConfig(secret: Self.seed(20)))

        let inline = try diagnostics(config("secret: \(secret)"))
        #expect(
            inline == [
                "permiso.yaml:12:15: error: users[0].totp.secret: a TOTP secret must come by reference (${ENV_VAR} or a file path), never inline"
            ]
        )
        #expect(
            try diagnostics(config("secret: ${T}"), environment: ["T": "NOT-BASE32!"]) == [
                "permiso.yaml:12:15: error: users[0].totp.secret: the TOTP secret from ${T} is not base32 (A–Z and 2–7)"
            ]
        )
        #expect(
            try diagnostics(config("secret: ${T}"), environment: ["T": "MZXW6YTBOI"]) == [
                "permiso.yaml:12:15: error: users[0].totp.secret: the TOTP secret from ${T} has 48 bits; at least 128 are needed (RFC 4226 §4)"
            ]
        )
        let noFactor = try diagnostics(
            Fixture.config().replacingOccurrences(of: "    claims:\n      email: alice", with: "    mfa: required\n    claims:\n      email: alice")
        )
        #expect(
            noFactor == [
                "permiso.yaml:11:10: error: users[0].mfa: mfa: required needs a second factor: add totp (permiso totp enroll alice) or a passkey (/account/passkeys)"
            ]
        )
        let optional = try PermisoConfig.load(
            file: try directory.write(
                "optional.yaml",
                config("secret: ./alice.totp").replacingOccurrences(of: "    totp:", with: "    mfa: optional\n    totp:")
            ),
            environment: [:]
        )
        let user = try #require(optional.user(username: "alice"))
        #expect(user.mfa == .optional && !user.asksSecondFactor(for: .password) && user.asksSecondFactor(for: .multiFactor))
        let ranges = try diagnostics(config("secret: ${T}\ndigits: 4\nalgorithm: MD5"), environment: ["T": secret])
        #expect(ranges.count == 2 && ranges.allSatisfy { $0.contains("users[0].totp.") }, "\(ranges)")
    }
}
