import Dispatch
public import Foundation

@testable public import PermisoCore

/// What every harness shares: the example deployment (`permiso.yaml` and the committed
/// development keys), loaded once per process, and the real values a harness mutates.
///
/// The harnesses run Permiso's own parsers in-process, without HTTP, so a million inputs
/// take minutes rather than hours.
public enum FuzzFixture {
    /// The checkout's root, from this file's place in it.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static let deployment: Deployment = {
        do {
            return try Deployment.load(configFile: root + "/permiso.yaml", environment: [:], requireSealing: true)
        } catch {
            fatalError("the example config does not load: \(error)")
        }
    }()

    public static var config: PermisoConfig { deployment.config }
    public static var issuerText: String { deployment.config.issuer.absoluteString }

    public static let sealer: Sealer = Sealer(keys: deployment.keys, issuer: issuerText)!

    public static let signer: TokenSigner = blocking {
        do {
            return try await TokenSigner(keys: deployment.keys, issuer: issuerText)
        } catch {
            fatalError("the example keys do not make a signer: \(error)")
        }
    }

    public static let issuer = TokenIssuer(deployment: deployment, signer: signer, sealer: sealer)

    /// The time every harness runs at: fixed, so a crash reproduces from its input alone.
    public static let now = Date(timeIntervalSince1970: 1_800_000_000)

    public static func client(_ id: String) -> ClientConfig {
        config.clients.first { $0.id == id }!
    }

    public static var alice: UserConfig { config.users.first { $0.username == "alice" }! }

    /// A grant as the code flow records it, for sealing real codes and issuing real tokens.
    public static func grant(client id: String, scopes: [String]) -> TokenIssuer.Grant {
        TokenIssuer.Grant(
            client: client(id),
            user: alice,
            scopes: scopes,
            nonce: "n-0S6_WzA2Mj",
            authTime: Int(now.timeIntervalSince1970) - 60,
            sessionID: "s-fuzz",
            amr: ["pwd"],
            family: "f-fuzz",
            generation: 0
        )
    }

    /// Runs `body` to completion from the synchronous libFuzzer callback.
    public static func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let result = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            result.value = await body()
            done.signal()
        }
        done.wait()
        return result.value!
    }
}

/// Carries a result out of the task `blocking` waits for; the semaphore orders the accesses.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
