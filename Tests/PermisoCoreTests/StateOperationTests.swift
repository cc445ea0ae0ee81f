import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// The named state operations: the exact key and lifetime each one uses, pinned so that a
/// format change cannot slip in without a new namespace (docs/ARCHITECTURE.md "The state
/// operations"), and a scan of the sources proving no key string lives anywhere else.
@Suite("State operations: key formats and where they may be written")
struct StateOperationTests {
    let clock = TestClock()

    func state() -> (ProtocolState, RecordingStore) {
        let store = RecordingStore(clock: clock)
        return (ProtocolState(store: store), store)
    }

    func session(authTime: Date) -> LoginSession {
        LoginSession(subject: "alice-sub", authTime: authTime, sessionID: "S1", amr: ["pwd"])
    }

    @Test("Codes, refresh families and sessions use their documented keys and lifetimes")
    func tokenKeys() async throws {
        let (state, store) = state()
        var lifetimes = Lifetimes()
        lifetimes.refreshToken = 3_600
        lifetimes.session = 600
        let now = clock.now()
        #expect(try await state.codes.claim(codeID: "J1", expiresAt: now.addingTimeInterval(60), now: now))
        #expect(try await !state.codes.claim(codeID: "J1", expiresAt: now.addingTimeInterval(60), now: now))
        #expect(try await state.refreshFamilies.rotate(family: "F", generation: 2, lifetimes: lifetimes))
        try await state.refreshFamilies.revoke(family: "F", lifetimes: lifetimes, now: now)
        #expect(try await state.refreshFamilies.isRevoked(family: "F"))
        try await state.sessions.end(session(authTime: now.addingTimeInterval(-100)), lifetimes: lifetimes, now: now)
        #expect(try await state.sessions.isEnded(sessionID: "S1"))
        #expect(try await !state.sessions.isEnded(sessionID: "S2"))
        #expect(
            store.takeCalls() == [
                .init("claimOnce", "code:J1", 61), .init("claimOnce", "code:J1", 61),
                .init("claimOnce", "refresh:F:2", 3_600),
                .init("deny", "family:F", 3_600), .init("isDenied", "family:F"),
                // Until the last refresh token of the session has expired, not only its cookie.
                .init("deny", "sid:S1", 3_600), .init("isDenied", "sid:S1"), .init("isDenied", "sid:S2"),
            ]
        )
    }

    @Test("Revocations: one read for every question a token raises; access tokens by jti; epochs per subject digest and client")
    func revocationKeys() async throws {
        let (state, store) = state()
        var lifetimes = Lifetimes()
        lifetimes.refreshToken = 3_600
        lifetimes.session = 7_200
        let now = clock.now()
        let token = Revocations.Presented(
            subject: "alice-sub",
            clientID: "demo",
            issuedAt: Int(now.timeIntervalSince1970) - 10,
            authTime: Int(now.timeIntervalSince1970) - 100,
            sessionID: "S1",
            family: "F",
            accessTokenID: "F.J",
            generation: 2
        )
        #expect(try await state.revocations.refusal(for: token) == nil)
        try await state.revocations.revoke(accessTokenID: "F.J", expiresAt: now.addingTimeInterval(600), now: now)
        try await state.revocations.revokeAll(of: .subject("alice-sub"), lifetimes: lifetimes, now: now)
        try await state.revocations.revokeAll(of: .client("demo"), lifetimes: lifetimes, now: now)
        try await state.sessions.end(sessionID: "S9", lifetimes: lifetimes, now: now)
        #expect(try await state.revocationRequests.admit(clientID: "demo", subject: "alice-sub"))
        let subjectKey = "epoch-sub:" + StateKeyPart.digest("alice-sub")
        #expect(
            store.takeCalls() == [
                .init("read", "sid:S1 family:F refresh:F:2 access:F.J \(subjectKey) epoch-client:demo"),
                // Until the token would have expired, plus the second it may still be running.
                .init("deny", "access:F.J", 601),
                // Until the longest-lived value issued now would have expired.
                // Plus the clock margin the epoch reaches ahead.
                .init("raise", subjectKey, 7_203), .init("raise", "epoch-client:demo", 7_203),
                .init("deny", "sid:S9", 7_200),
                .init("increment", "revoke:demo:" + StateKeyPart.digest("alice-sub"), 300),
            ]
        )
        // A client_credentials token asks about itself, its subject (the client) and its client only.
        let service = Revocations.Presented(subject: "service", clientID: "service", issuedAt: 5, accessTokenID: "J2")
        #expect(try await state.revocations.refusal(for: service) == nil)
        #expect(
            store.takeCalls() == [.init("read", "access:J2 epoch-sub:\(StateKeyPart.digest("service")) epoch-client:service")]
        )
    }

    @Test("TOTP codes: one marker per user digest and step, kept until the step leaves the window")
    func oneTimeCodeKeys() async throws {
        let (state, store) = state()
        #expect(try await state.oneTimeCodes.claim(subject: "alice-sub", step: 100, period: 30, nowStep: 100))
        #expect(try await !state.oneTimeCodes.claim(subject: "alice-sub", step: 100, period: 30, nowStep: 100))
        #expect(try await state.oneTimeCodes.claim(subject: "alice-sub", step: 99, period: 30, nowStep: 100))
        #expect(try await state.oneTimeCodes.claim(subject: "alice-sub", step: 101, period: 30, nowStep: 100))
        let digest = StateKeyPart.digest("alice-sub")
        #expect(
            store.takeCalls() == [
                .init("claimOnce", "totp:\(digest):100", 91), .init("claimOnce", "totp:\(digest):100", 91),
                .init("claimOnce", "totp:\(digest):99", 61), .init("claimOnce", "totp:\(digest):101", 121),
            ]
        )
    }

    @Test("Passkeys: a challenge once until its form expires; a counter only upwards, by compare-and-set")
    func passkeyKeys() async throws {
        let (state, store) = state()
        let now = clock.now()
        let challenge = [UInt8](repeating: 7, count: 32)
        #expect(try await state.passkeys.claimChallenge(challenge, until: now.addingTimeInterval(900), now: now))
        #expect(try await !state.passkeys.claimChallenge(challenge, until: now.addingTimeInterval(900), now: now))
        let id: [UInt8] = [1, 2, 3]
        #expect(try await state.passkeys.advanceCounter(credentialID: id, to: 0) == .advanced, "no counter kept, none seen: passes")
        #expect(try await state.passkeys.advanceCounter(credentialID: id, to: 5) == .advanced)
        #expect(try await state.passkeys.advanceCounter(credentialID: id, to: 6) == .advanced)
        #expect(try await state.passkeys.advanceCounter(credentialID: id, to: 6) == .regressed, "equal is not an increase")
        #expect(try await state.passkeys.advanceCounter(credentialID: id, to: 0) == .regressed, "a counter cannot fall back to zero")
        let used = "webauthn-challenge:" + StateKeyPart.digest(Data(challenge).base64URLEncodedString)
        let count = "webauthn-count:" + StateKeyPart.digest(Data(id).base64URLEncodedString)
        #expect(
            store.takeCalls() == [
                .init("claimOnce", used, 901), .init("claimOnce", used, 901),
                .init("value", count),
                .init("value", count), .init("insert", count, 63_244_800),
                .init("value", count), .init("replace", count),
                .init("value", count),
                .init("value", count),
            ]
        )
    }

    @Test("Recovery codes: one marker per user and code, kept ten years")
    func recoveryCodeKeys() async throws {
        let (state, store) = state()
        #expect(try await state.recoveryCodes.claim(subject: "alice-sub", hash: "sha256:H"))
        #expect(try await !state.recoveryCodes.claim(subject: "alice-sub", hash: "sha256:H"))
        let key = "recovery:" + StateKeyPart.digest("alice-sub") + ":" + StateKeyPart.digest("sha256:H")
        #expect(store.takeCalls() == [.init("claimOnce", key, 316_224_000), .init("claimOnce", key, 316_224_000)])
    }

    @Test("A second-factor code counts on the password's counters, then once per user over all addresses")
    func secondFactorThrottleKeys() async throws {
        let (state, store) = state()
        let alice = StateKeyPart.digest("alice")
        let subject = StateKeyPart.digest("alice-sub")
        let reservation = try #require(try await state.signIns.reserveSecondFactor(username: "alice", subject: "alice-sub", address: "192.0.2.1"))
        try await reservation.giveBack()
        #expect(
            store.takeCalls() == [
                .init("increment", "login-addr:192.0.2.1", 300), .init("increment", "login-pair:\(alice):192.0.2.1", 300),
                .init("increment", "login-otp:\(subject)", 300), .init("increment", "login-otp-day:\(subject)", 86_400),
                .init("decrement", "login-addr:192.0.2.1"), .init("decrement", "login-pair:\(alice):192.0.2.1"),
                .init("decrement", "login-otp:\(subject)"), .init("decrement", "login-otp-day:\(subject)"),
            ]
        )
    }

    @Test("Device grants: record, redemption and poll pacing keys, and slow_down's growing interval")
    func deviceKeys() async throws {
        let (state, store) = state()
        let now = clock.now()
        let expiry = now.addingTimeInterval(600)
        let record = DeviceGrantRecord(clientID: "tv", scopes: ["openid"], deviceCodeID: "D1")
        #expect(try await state.deviceGrants.create(record, userCode: "BCDFGHJK", lifetime: 600))
        #expect(try await !state.deviceGrants.create(record, userCode: "BCDFGHJK", lifetime: 600), "a taken user code")
        let stored = try #require(try await state.deviceGrants.find(userCode: "BCDFGHJK"))
        var approved = stored.record
        approved.status = .approved
        #expect(try await state.deviceGrants.decide(userCode: "BCDFGHJK", from: stored, to: approved))
        #expect(try await !state.deviceGrants.decide(userCode: "BCDFGHJK", from: stored, to: approved), "decided once")
        #expect(try await state.deviceGrants.redeem(deviceCodeID: "D1", expiresAt: expiry, now: now))
        #expect(try await !state.deviceGrants.redeem(deviceCodeID: "D1", expiresAt: expiry, now: now))
        #expect(try await state.deviceGrants.pace(deviceCodeID: "D1", interval: 5, expiresAt: expiry, now: now) == .onTime)
        let soon = now.addingTimeInterval(2)
        #expect(try await state.deviceGrants.pace(deviceCodeID: "D1", interval: 5, expiresAt: expiry, now: soon) == .tooSoon(interval: 10))
        let later = soon.addingTimeInterval(7)
        #expect(
            try await state.deviceGrants.pace(deviceCodeID: "D1", interval: 5, expiresAt: expiry, now: later) == .tooSoon(interval: 15),
            "7 s after a slow_down is still sooner than the grown 10 s interval"
        )
        #expect(
            try await state.deviceGrants.pace(deviceCodeID: "D1", interval: 5, expiresAt: expiry, now: later.addingTimeInterval(15))
                == .onTime
        )
        let keys = Set(store.takeCalls().map(\.key))
        #expect(keys == ["device:BCDFGHJK", "device-used:D1", "device-poll:D1"])
    }

    @Test("Throttles count per address first, then per username and address or per code space; giving back undoes one attempt")
    func throttleKeys() async throws {
        let (state, store) = state()
        // The username is hashed into the key: 22 characters whatever was typed, case folded first.
        let alice = StateKeyPart.digest("alice")
        #expect(alice.count == 22 && StateKeyPart.digest(String(repeating: "x", count: 60_000)).count == 22)
        let reservation = try #require(try await state.signIns.reserve(username: "Alice", address: "192.0.2.1"))
        try await reservation.giveBack()
        _ = try await state.userCodes.reserve(address: "192.0.2.1")
        #expect(
            store.takeCalls() == [
                .init("increment", "login-addr:192.0.2.1", 300), .init("increment", "login-pair:\(alice):192.0.2.1", 300),
                .init("decrement", "login-addr:192.0.2.1"), .init("decrement", "login-pair:\(alice):192.0.2.1"),
                .init("increment", "device-lookup-addr:192.0.2.1", 300), .init("increment", "device-lookup-all", 300),
            ]
        )
        for _ in 0..<SignInThrottle.attemptsPerUser {
            #expect(try await state.signIns.reserve(username: "bob", address: "192.0.2.250") != nil)
        }
        #expect(try await state.signIns.reserve(username: "BOB", address: "192.0.2.250") == nil, "over the limit for bob at this address")
        #expect(try await state.signIns.reserve(username: "bob", address: "192.0.2.251") != nil, "but not at another")
    }

    @Test("Namespaces are distinct, contain no separator, and none is another's prefix")
    func namespaces() {
        let names = StateNamespace.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(!name.contains(":"), "\(name)")
            for other in names where other != name {
                #expect(!(other + ":").hasPrefix(name + ":"), "\(name) / \(other)")
            }
        }
    }

    // MARK: - No key string and no store call outside the state layer

    /// Lines of `text` that write a state key or call the store directly: a string literal
    /// starting with a namespace and `:`, or a call of a `StateStore` primitive.
    static func violations(in text: String) -> [String] {
        let namespaces = StateNamespace.allCases.map(\.rawValue)
        // With its separator, any namespace; alone, only those no ordinary word could be.
        let keyed = namespaces.joined(separator: "|")
        let bare = namespaces.filter { $0.contains("-") }.joined(separator: "|")
        let literal = try! Regex("\"((\(keyed)):|(\(bare))\")")
        let primitive = try! Regex(
            #"(^|[^A-Za-z0-9_])([sS]tore)\??\.(claimOnce|deny|isDenied|increment|decrement|insert|value|replace|read|raise)\("#
        )
        return text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line in
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("//") { return nil }
            return code.contains(literal) || code.contains(primitive) ? String(line) : nil
        }
    }

    @Test("The scan finds a planted key string and store call, and passes clean code")
    func scannerWorks() {
        #expect(Self.violations(in: #"let key = "family:\(id)""#).count == 1)
        #expect(Self.violations(in: #"_ = try await live.store.isDenied(key)"#).count == 1)
        #expect(Self.violations(in: #"try await store.claimOnce(k, lifetime: 1)"#).count == 1)
        #expect(Self.violations(in: #"counters = ["device-lookup-all"]"#).count == 1)
        #expect(Self.violations(in: #"try await state.sessions.isEnded(sessionID: sid)"#).isEmpty)
        #expect(Self.violations(in: #"// "sid:" is written by SessionEnds"#).isEmpty)
    }

    @Test("No source outside State/ and the store backends writes a key or calls the store")
    func noKeysElsewhere() throws {
        let sources = URL(fileURLWithPath: Repository.root + "/Sources")
        let allowed = ["PermisoCore/State/", "PermisoRedis/", "PermisoTesting/"]
        var found: [String] = []
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var scanned = 0
        for case let url as URL in files where url.pathExtension == "swift" {
            let relative = String(url.path.dropFirst(sources.path.count + 1))
            if allowed.contains(where: relative.hasPrefix) { continue }
            scanned += 1
            for line in Self.violations(in: try String(contentsOf: url, encoding: .utf8)) {
                found.append("\(relative): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(scanned > 50, "the scan must see the sources")
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }
}
