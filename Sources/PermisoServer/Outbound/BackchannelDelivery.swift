import AsyncHTTPClient
import Logging
public import NIOCore
import NIOHTTP1
import PermisoCore
import Synchronization

/// Delivers Logout Tokens to relying parties' back-channel logout URIs (OpenID Connect
/// Back-Channel Logout 1.0 §2.5), without ever making a person wait on a relying party.
///
/// Each delivery is a form POST with a bounded timeout, retried with backoff while the RP
/// is unreachable or answers 5xx; a 4xx is its final word (§2.8: it rejected the token), and
/// so is a 3xx, since redirects are not followed. At most `maximumInFlight` run at once. A
/// logout response waits at most `Policy.responseCap` for all of them, so a relying party
/// that is fast enough has ended its session before the browser's next request, and one that
/// hangs delays nobody for longer; what is still running continues in the background.
/// Failures are logged and counted, never shown to the person.
///
/// Deliveries live in this process: an instance that dies mid-delivery loses the rest
/// (docs/ARCHITECTURE.md "Back-channel logout").
public final class BackchannelDelivery: Sendable {
    public struct Policy: Sendable {
        /// One attempt, from connecting to the answer.
        public var attemptTimeout: TimeAmount = .seconds(2)
        public var attempts = 3
        /// Before the second attempt; doubled before each one after.
        public var firstBackoff: Duration = .milliseconds(250)
        /// The longest a logout response waits for its deliveries.
        public var responseCap: Duration = .milliseconds(1500)

        public init() {}
    }

    /// What deliveries came to, since the process started.
    struct Counts: Sendable, Equatable {
        var delivered = 0
        var retried = 0
        var failed = 0
    }

    let policy: Policy
    private let logger: Logger
    private let tally = Mutex(Counts())

    /// One client for the process, as long-lived as the event loops it runs on, so it never
    /// needs shutting down. Redirects are not followed: a logout URI is the config's, not
    /// wherever it points next. Each request carries its own deadline (`Policy.attemptTimeout`).
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(2), read: .seconds(2)))
    )

    init(policy: Policy = Policy(), logger: Logger = Logger(label: "permiso.logout")) {
        self.policy = policy
        self.logger = logger
    }

    var counts: Counts { tally.withLock { $0 } }

    /// Deliveries running at once, beyond which new ones are given up at once (and counted):
    /// a flood of logouts towards a relying party that never answers cannot pile up tasks.
    static let maximumInFlight = 512
    private let inFlight = Mutex(0)

    /// Starts every delivery and returns when all are done or `policy.responseCap` has passed,
    /// whichever is first.
    func deliver(_ notices: [BackchannelLogout.Notice]) async {
        let admitted = inFlight.withLock { running in
            let room = max(0, Self.maximumInFlight - running)
            running += min(room, notices.count)
            return Array(notices.prefix(room))
        }
        for notice in notices.dropFirst(admitted.count) {
            fail(notice, "too many deliveries in flight (\(Self.maximumInFlight))", attempts: 0)
        }
        let notices = admitted
        guard !notices.isEmpty else { return }
        let all = Task {
            await withTaskGroup(of: Void.self) { group in
                for notice in notices { group.addTask { await self.deliver(notice) } }
            }
        }
        let cap = policy.responseCap
        // Whichever comes first; not a task group, which would wait for the deliveries anyway.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Once(continuation)
            Task {
                await all.value
                once.resume()
            }
            Task {
                try? await Task.sleep(for: cap)
                once.resume()
            }
        }
    }

    /// Resumes a continuation the first time it is asked to, and ignores the second.
    private final class Once: Sendable {
        private let continuation: Mutex<CheckedContinuation<Void, Never>?>

        init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = Mutex(continuation) }

        func resume() {
            continuation.withLock { pending in
                pending?.resume()
                pending = nil
            }
        }
    }

    private func deliver(_ notice: BackchannelLogout.Notice) async {
        defer { inFlight.withLock { $0 -= 1 } }
        var request = HTTPClientRequest(url: notice.uri)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "logout_token=" + notice.token))
        var backoff = policy.firstBackoff
        var problem = ""
        for attempt in 1...policy.attempts {
            if attempt > 1 {
                tally.withLock { $0.retried += 1 }
                try? await Task.sleep(for: backoff)
                backoff *= 2
            }
            do {
                // The deadline runs until the status arrives; the body is never read (§2.8 gives
                // it no meaning), so a relying party cannot hold the attempt open by trickling one.
                let response = try await Self.client.execute(request, timeout: policy.attemptTimeout)
                switch response.status.code {
                case 200..<300:
                    tally.withLock { $0.delivered += 1 }
                    return
                case 300..<500:
                    // A refusal (§2.8), or a redirect, which is not followed: asking again changes neither.
                    problem = "answered \(response.status.code)"
                    fail(notice, problem, attempts: attempt)
                    return
                default:
                    problem = "answered \(response.status.code)"
                }
            } catch {
                problem = "\(error)"
            }
            logger.notice(
                "back-channel logout attempt failed",
                metadata: ["client": "\(notice.clientID)", "attempt": "\(attempt)", "problem": "\(problem)"]
            )
        }
        fail(notice, problem, attempts: policy.attempts)
    }

    private func fail(_ notice: BackchannelLogout.Notice, _ problem: String, attempts: Int) {
        tally.withLock { $0.failed += 1 }
        logger.error(
            "back-channel logout not delivered; the relying party keeps its session until it expires",
            metadata: ["client": "\(notice.clientID)", "uri": "\(notice.uri)", "attempts": "\(attempts)", "problem": "\(problem)"]
        )
    }
}
