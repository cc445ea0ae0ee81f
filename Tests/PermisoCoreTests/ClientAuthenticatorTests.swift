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
}
