import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// Throttles no one can aim at someone else: an address over its limit costs nobody else
/// anything, a user locked at one address can still sign in from their own, and one
/// address cannot spend the user-code budget of everyone.
@Suite("Throttles cannot be aimed at others")
struct ThrottleAimTests {
    func signIn(_ store: any StateStore) async throws -> PasswordSignIn {
        let deployment = try Deployment.load(configFile: Repository.exampleConfig, environment: [:])
        let name = deployment.config.issuer.absoluteString
        let issuer = TokenIssuer(
            deployment: deployment,
            signer: try await TokenSigner(keys: deployment.keys, issuer: name),
            sealer: try #require(Sealer(keys: deployment.keys, issuer: name))
        )
        return PasswordSignIn(
            FlowContext(issuer: issuer, state: ProtocolState(store: store)),
            verifier: InlinePasswordVerifier(),
            decoyHash: Fixture.passwordHash
        )
    }

    @Test("Failures from one address lock the user out at that address only")
    func lockIsPerAddress() async throws {
        let signIn = try await signIn(MemoryStateStore())
        for _ in 0..<SignInThrottle.attemptsPerUser {
            #expect(try await signIn.verify(username: "alice", password: "guess", address: "198.51.100.7") == .failure(.incorrect))
        }
        #expect(try await signIn.verify(username: "alice", password: "alice-password", address: "198.51.100.7") == .failure(.throttled))
        let own = try await signIn.verify(username: "alice", password: "alice-password", address: "192.0.2.10")
        #expect(try own.get().username == "alice", "the real user, at their own address, is not locked out")
    }

    @Test("An address over its limit is refused before any other counter moves")
    func addressFirst() async throws {
        let store = RecordingStore()
        let signIn = try await signIn(store)
        for index in 0..<SignInThrottle.attemptsPerAddress {
            _ = try await signIn.verify(username: "user\(index)", password: "guess", address: "198.51.100.7")
        }
        _ = store.takeCalls()
        for _ in 0..<(SignInThrottle.attemptsPerUser * 2) {
            #expect(try await signIn.verify(username: "bob", password: "guess", address: "198.51.100.7") == .failure(.throttled))
        }
        let raised = store.takeCalls().filter { $0.operation == "increment" }.map(\.key)
        #expect(raised.allSatisfy { $0 == "login-addr:198.51.100.7" }, "\(raised)")
        let bob = try await signIn.verify(username: "bob", password: "bob-password", address: "192.0.2.20")
        #expect(try bob.get().username == "bob")
    }

    @Test("Parallel wrong passwords from one address: exactly the allowed number are checked")
    func parallelPairLimit() async throws {
        let signIn = try await signIn(MemoryStateStore())
        let results = try await withThrowingTaskGroup(of: Result<UserConfig, PasswordSignIn.Refusal>.self) { group in
            for _ in 0..<40 { group.addTask { try await signIn.verify(username: "alice", password: "guess", address: "198.51.100.9") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0 == .failure(.incorrect) }.count == SignInThrottle.attemptsPerUser)
        #expect(results.filter { $0 == .failure(.throttled) }.count == 40 - SignInThrottle.attemptsPerUser)
    }

    @Test("One address cannot spend the user-code budget of everyone else")
    func userCodeBudget() async throws {
        let store = MemoryStateStore()
        let throttle = ProtocolState(store: store).userCodes
        var admitted = 0
        for _ in 0..<(UserCodeThrottle.lookupsPerWindow + 50) where try await throttle.reserve(address: "198.51.100.7") != nil {
            admitted += 1
        }
        #expect(admitted == UserCodeThrottle.lookupsPerAddress)
        #expect(try await throttle.reserve(address: "192.0.2.30") != nil, "another address still looks up")
    }
}
