import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads config and keys on SIGHUP, the way nginx and most Unix daemons do.
struct ReloadService: Service {
    let live: LiveDeployment
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        // The sequence ends when the service group cancels this task on shutdown.
        for await _ in signals.cancelOnGracefulShutdown() {
            await live.reload(logger: logger)
        }
    }
}
