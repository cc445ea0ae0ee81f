import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

/// Back-channel logout delivery against relying parties on a real loopback port: one that
/// takes the token, one that answers 500 (retried, then given up), one that answers 400
/// (its final word), one that redirects (not followed), one that is not there; counted, and
/// never longer than the cap.
@Suite("Back-channel logout: delivery")
struct BackchannelDeliveryTests {
    @Test("Delivered, retried and failed deliveries are counted; a 4xx is not retried; the wait is capped")
    func deliveries() async throws {
        let router = Router()
        let received = Received()
        router.post("ok") { request, _ -> HTTPResponse.Status in
            received.add(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
            return .ok
        }
        router.post("error") { _, _ -> HTTPResponse.Status in .internalServerError }
        router.post("refuses") { _, _ -> HTTPResponse.Status in .badRequest }
        router.post("moved") { _, _ -> Response in
            Response(status: .temporaryRedirect, headers: [.location: "http://127.0.0.1:1/elsewhere"])
        }
        router.post("hangs") { _, _ -> HTTPResponse.Status in
            try await Task.sleep(for: .seconds(5))
            return .ok
        }
        try await Application(router: router).test(.live) { client in
            let port = try #require(client.port)
            var policy = BackchannelDelivery.Policy()
            policy.attemptTimeout = .seconds(1)
            policy.firstBackoff = .milliseconds(20)
            policy.responseCap = .milliseconds(200)
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            let delivery = BackchannelDelivery(policy: policy, logger: quiet)
            func notice(_ path: String, port: Int = port) -> BackchannelLogout.Notice {
                .init(clientID: path, uri: "http://127.0.0.1:\(port)/\(path)", token: "header.payload.\(path)")
            }
            let started = ContinuousClock.now
            await delivery.deliver([
                notice("ok"), notice("error"), notice("refuses"), notice("moved"), notice("hangs"), notice("gone", port: 1),
            ])
            // Without the cap this takes the hanging RP's three timeouts and backoff: over 3 s. The
            // bound leaves room for a loaded machine (the cap is 200 ms).
            #expect(ContinuousClock.now - started < .milliseconds(1500), "the response waits at most the cap")
            // A loaded machine may not have delivered even to the healthy RP within the cap;
            // it is delivered in the background then.
            for _ in 0..<100 where received.bodies.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            #expect(received.bodies == ["logout_token=header.payload.ok"])
            // The rest finish in the background: error 3 attempts, hangs 3 timeouts, gone 3 refusals;
            // refuses and moved once each (a 4xx is final; a redirect is not followed, nor retried).
            for _ in 0..<200 where delivery.counts.failed < 5 { try await Task.sleep(for: .milliseconds(50)) }
            #expect(delivery.counts == .init(delivered: 1, retried: 6, failed: 5))
        }
    }

    final class Received: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String] = []
        func add(_ body: String) { lock.withLock { values.append(body) } }
        var bodies: [String] { lock.withLock { values } }
    }
}
