import CoreMetrics
import Foundation
import PermisoCore
import Synchronization

/// The figures `permiso serve --metrics-address` exports, beside the request counts and
/// latencies `RequestMetrics` records per route and status.
///
/// Every metric goes through swift-metrics, so without `--metrics-address` (no backend
/// bootstrapped) each call is a no-op. Labels hold only values from a fixed set — grant
/// types, algorithms, error codes, refusal reasons, operation names — never anything a client
/// sent, so a client cannot grow the number of series.
enum ServiceMetrics {
    /// A token response, by grant and the access token's algorithm.
    static func tokenIssued(grant: String, algorithm: SigningAlgorithm?) {
        Counter(label: "permiso_tokens_issued_total", dimensions: [("grant", grant), ("alg", algorithm?.rawValue ?? "none")])
            .increment()
    }

    /// An OAuth error answered directly (JSON or page), by its registered code; a throttle's
    /// refusal is counted by its throttle too.
    static func oauthError(_ error: OAuthError) {
        Counter(label: "permiso_oauth_errors_total", dimensions: [("error", error.code)]).increment()
        if let refusal = ThrottleRefusal(error) { throttleRefused(refusal.rawValue) }
    }

    /// A refused password sign-in: wrong credentials, or the throttle.
    static func signInRefused(_ refusal: PasswordSignIn.Refusal) {
        let reason =
            switch refusal {
            case .throttled: "throttled"
            case .incorrect: "incorrect"
            case .incorrectCode: "incorrect_code"
            case .incorrectRecoveryCode: "incorrect_recovery_code"
            }
        Counter(label: "permiso_sign_in_failures_total", dimensions: [("reason", reason)]).increment()
    }

    /// An attempt a throttle refused before checking it, by throttle: `client_secret`,
    /// `user_code` (the device page), and each `ThrottleRefusal`. Password, one-time code and
    /// recovery code sign-ins are counted with their other failures (`signInRefused`). A
    /// rising count is guessing or flooding.
    static func throttleRefused(_ throttle: String) {
        Counter(label: "permiso_throttle_refusals_total", dimensions: [("throttle", throttle)]).increment()
    }

    /// A SIGHUP reload, by outcome.
    static func reload(succeeded: Bool) {
        Counter(label: "permiso_config_reloads_total", dimensions: [("result", succeeded ? "ok" : "failed")]).increment()
    }

    /// One state-store operation: its latency, and whether the store failed to answer.
    static func stateStore(_ operation: String, nanoseconds: UInt64, failed: Bool) {
        Timer(label: "permiso_state_store_duration_seconds", dimensions: [("operation", operation)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64(clamping: nanoseconds))
        if failed { Counter(label: "permiso_state_store_failures_total", dimensions: [("operation", operation)]).increment() }
    }

    /// Each key's age, and each active key's time until `lifetimes.activeKey` says to rotate
    /// it (negative once overdue), by its file in the keys folder, set when `/metrics` is
    /// scraped. A key that left the folder or changed state loses its old series at the next
    /// scrape: a countdown frozen below zero would alert forever. One scrape at a time reads
    /// the snapshot and sets and drops series, so a scrape of an older snapshot never drops
    /// what a newer one just set.
    static func keys(of live: LiveDeployment) {
        keySeries.withLock { previous in
            let deployment = live.snapshot.deployment
            let current = keys(deployment.keys, rotation: deployment.config.lifetimes.activeKey, now: live.clock.now())
            for (id, series) in previous where current[id] == nil { series.gauge.destroy() }
            previous = current
        }
    }

    /// Sets every key series of `keys`; returns them by id.
    private static func keys(_ keys: KeyRing, rotation: Int, now: Date) -> [String: KeySeries] {
        var current: [String: KeySeries] = [:]
        for (kind, entries) in [("signing", keys.manifest.signing), ("sealing", keys.manifest.sealing)] {
            for entry in entries {
                let alg = entry.algorithm?.rawValue ?? "none"
                let age = KeySeries(
                    label: "permiso_key_age_seconds",
                    dimensions: [("kind", kind), ("key", entry.file), ("alg", alg), ("state", entry.state.rawValue)]
                )
                age.gauge.record(now.timeIntervalSince(entry.created))
                current[age.id] = age
                guard entry.state == .active else { continue }
                let due = KeySeries(label: "permiso_key_rotation_due_seconds", dimensions: [("kind", kind), ("key", entry.file), ("alg", alg)])
                due.gauge.record(entry.rotationDue(lifetime: rotation).timeIntervalSince(now))
                current[due.id] = due
            }
        }
        return current
    }

    /// One key gauge's label and dimensions.
    struct KeySeries: Sendable {
        let label: String
        let dimensions: [(String, String)]
        var id: String { label + dimensions.map { "|\($0.0)=\($0.1)" }.joined() }
        var gauge: Gauge { Gauge(label: label, dimensions: dimensions) }
    }

    /// The key series the last scrape set.
    private static let keySeries = Mutex<[String: KeySeries]>([:])
}
