import Foundation
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoCore

/// Client secrets go through the verifier the authenticator was given (the server's runs on
/// a thread pool). The hash is checked until the right secret has been seen; after that its
/// salted digest answers, for right and wrong secrets alike, without another hash.
@Suite("Client authentication")
struct ClientAuthenticatorTests {
    /// Counts the hashes it is asked to check, and checks them for real.
    final class CountingVerifier: PasswordVerifier {
        let calls = Mutex(0)

        func verify(_ password: String, against hash: String) async -> Bool {
            calls.withLock { $0 += 1 }
            return PasswordHash.verify(password, against: hash)
        }
    }

    func post(_ id: String, _ secret: String) throws -> ClientAuthenticator.Presented {
        .init(authorization: nil, parameters: try FormParameters.parse("client_id=\(id)&client_secret=\(secret)"))
    }

    @Test("Wrong secrets cost a hash each until the right one is known; then no secret costs one")
    func verifierAndCache() async throws {
        let config = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:]).config
        let verifier = CountingVerifier()
        let authenticator = ClientAuthenticator(verifier: verifier)
        func refused() async throws {
            await #expect(throws: ClientAuthenticationError.self) {
                try await authenticator.authenticate(try post("service", "wrong-secret"), config: config)
            }
        }
        try await refused()
        try await refused()
        #expect(verifier.calls.withLock { $0 } == 2)
        for _ in 0..<3 {
            let authenticated = try await authenticator.authenticate(try post("service", "service-secret"), config: config)
            #expect(authenticated.client.id == "service")
        }
        #expect(verifier.calls.withLock { $0 } == 3)
        try await refused()
        #expect(verifier.calls.withLock { $0 } == 3, "once the secret is known, a wrong one is refused by its digest")
    }

    /// A hash check that takes a second, so that parallel requests overlap it even on a busy
    /// machine, and knows the example's secret for `service` without a bcrypt (20 of those at
    /// once would load the machine the other suites run on).
    final class SlowVerifier: PasswordVerifier {
        let calls = Mutex(0)

        func verify(_ password: String, against hash: String) async -> Bool {
            calls.withLock { $0 += 1 }
            try? await Task.sleep(for: .seconds(1))
            return password == "service-secret"
        }
    }

    /// `count` parallel authentications of `service` from one address; the errors, nil for a pass.
    func parallel(
        _ secrets: [String],
        _ authenticator: ClientAuthenticator,
        throttle: ClientSecretThrottle
    ) async throws
        -> [OAuthError?]
    {
        let config = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:]).config
        let guessing = ClientAuthenticator.Guessing(throttle: throttle, address: "198.51.100.7")
        return try await withThrowingTaskGroup(of: OAuthError?.self) { group in
            for secret in secrets {
                let presented = try post("service", secret)
                group.addTask {
                    do throws(ClientAuthenticationError) {
                        _ = try await authenticator.authenticate(presented, config: config, guessing: guessing)
                        return nil
                    } catch {
                        return error.error
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("64 parallel requests with the right secret on a cold cache share one check: one hash, one count, none refused")
    func parallelRightSecret() async throws {
        let verifier = SlowVerifier()
        let throttle = ClientSecretThrottle(store: MemoryStateStore())
        let outcomes = try await parallel(Array(repeating: "service-secret", count: 64), ClientAuthenticator(verifier: verifier), throttle: throttle)
        #expect(outcomes.allSatisfy { $0 == nil }, "\(outcomes.compactMap { $0 })")
        #expect(verifier.calls.withLock { $0 } == 1)
    }

    @Test("Parallel guesses: one wrong secret sent 30 times counts once; 30 different ones count each, and the throttle stops them")
    func parallelGuesses() async throws {
        let verifier = SlowVerifier()
        let authenticator = ClientAuthenticator(verifier: verifier)
        let throttle = ClientSecretThrottle(store: MemoryStateStore())
        let same = try await parallel(Array(repeating: "guess", count: 30), authenticator, throttle: throttle)
        #expect(same.allSatisfy { $0 == .invalidClient("client authentication failed") })
        #expect(verifier.calls.withLock { $0 } == 1)
        // 19 of the 20 counts are left for this address; 30 different guesses use them up.
        let different = try await parallel((0..<30).map { "guess-\($0)" }, authenticator, throttle: throttle)
        let refused = different.filter { $0 == .invalidClient("client authentication failed") }.count
        let throttled = different.filter { $0?.code == "temporarily_unavailable" }.count
        #expect(refused == ClientSecretThrottle.attemptsPerClient - 1 && throttled == 30 - refused)
        #expect(verifier.calls.withLock { $0 } == ClientSecretThrottle.attemptsPerClient)
    }

    @Test("A refused client and address pair is remembered for the window, then forgotten; the memory stays bounded")
    func refusals() {
        let refusals = ThrottleRefusals(lifetime: .seconds(300), capacity: 4)
        let start = ContinuousClock.now
        #expect(!refusals.refuses("service", "198.51.100.1", now: start))
        refusals.record("service", "198.51.100.1", now: start)
        #expect(refusals.refuses("service", "198.51.100.1", now: start + .seconds(299)))
        #expect(!refusals.refuses("service", "192.0.2.1", now: start) && !refusals.refuses("other", "198.51.100.1", now: start))
        #expect(!refusals.refuses("service", "198.51.100.1", now: start + .seconds(301)))
        // At capacity, the expired pairs are swept...
        for address in ["old", "x", "y"] { refusals.record("service", address, now: start) }
        refusals.record("service", "a", now: start + .seconds(200))
        refusals.record("service", "c", now: start + .seconds(400))
        #expect(["a", "c"].allSatisfy { refusals.refuses("service", $0, now: start + .seconds(401)) })
        // ...and when half or more are still live, all are forgotten at once (a scan at most
        // once per `capacity / 2` refusals).
        for address in ["d", "e"] { refusals.record("service", address, now: start + .seconds(402)) }
        refusals.record("service", "f", now: start + .seconds(403))
        #expect(["a", "c", "d", "e"].allSatisfy { !refusals.refuses("service", $0, now: start + .seconds(404)) })
        #expect(refusals.refuses("service", "f", now: start + .seconds(404)))
    }

    @Test("A refused address gets the same answer for every secret, right or wrong, cached or not, and while the store is out")
    func refusedAddressLearnsNothing() async throws {
        let config = try Deployment.load(configFile: Repository.root + "/permiso.yaml", environment: [:]).config
        let store = SwitchableStore()
        let authenticator = ClientAuthenticator(verifier: CountingVerifier())
        let throttle = ClientSecretThrottle(store: store)
        func attempt(_ secret: String, from address: String) async -> OAuthError? {
            do throws(ClientAuthenticationError) {
                _ = try await authenticator.authenticate(
                    try! post("service", secret),
                    config: config,
                    guessing: .init(throttle: throttle, address: address)
                )
                return nil
            } catch {
                return error.error
            }
        }
        // The secret is verified and cached from the client's own address.
        #expect(await attempt("service-secret", from: "192.0.2.44") == nil)
        for index in 0..<ClientSecretThrottle.attemptsPerClient {
            #expect(await attempt("guess-\(index)", from: "198.51.100.1") == .invalidClient("client authentication failed"))
        }
        let throttled = try #require(await attempt("guess-x", from: "198.51.100.1"))
        #expect(throttled.code == "temporarily_unavailable")
        store.down.store(true, ordering: .relaxed)
        for secret in ["service-secret", "guess-y"] {
            #expect(await attempt(secret, from: "198.51.100.1") == throttled, "\(secret), store out")
        }
        store.down.store(false, ordering: .relaxed)
        for secret in ["service-secret", "guess-z"] {
            #expect(await attempt(secret, from: "198.51.100.1") == throttled, "\(secret)")
        }
        #expect(await attempt("service-secret", from: "192.0.2.44") == nil, "the client at its own address goes on")
    }
}
