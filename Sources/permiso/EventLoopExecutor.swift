import CConcurrencyHook
import NIOCore
import NIOPosix

/// Runs Swift Concurrency's tasks on NIO's singleton event loops, so a request never hops from
/// the loop that read it to a second pool of threads and back (bench/README.md measures the hop).
enum EventLoopExecutor {
    /// Which executor the process's tasks got.
    enum Outcome: String {
        /// NIO found the runtime's hook by name (`dlsym`), as in a dynamically linked binary.
        case eventLoops = "event loops"
        /// The hook was set through the symbol the linker resolved, as in a
        /// `--static-swift-stdlib` binary, whose runtime symbols `dlsym` cannot see.
        case eventLoopsLinked = "event loops (linked hook)"
        /// Something else set the hook first: tasks run where it sends them.
        case `default`
    }

    /// The runtime's hook type: the job, and the enqueue it replaces.
    private typealias EnqueueGlobalHook =
        @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Installs the event loops as the global executor. Call once, first thing in
    /// `permiso serve`: the tasks already running (the command's own) stay where they are, and
    /// every job enqueued afterwards goes to the loops.
    ///
    /// NIO's own installation comes first; it looks the hook up by name, which fails in a
    /// statically linked binary (`CConcurrencyHook` says why). Then the same hook is set
    /// through the linked symbol, handing each job to NIO's current or next event loop, as
    /// NIO's does. Both rely on the hook's type staying what the runtime defines, so, like
    /// NIO's, this one is compiled only for the toolchains NIO vouches for.
    static func install() -> Outcome {
        if NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            return .eventLoops
        }
        #if compiler(<6.6)
        let hook: EnqueueGlobalHook = { job, _ in
            // `any()` is the calling thread's own loop when it is one of the group's.
            MultiThreadedEventLoopGroup.singleton.any().enqueue(ExecutorJob(job))
        }
        return permiso_install_enqueue_global_hook(unsafeBitCast(hook, to: UnsafeMutableRawPointer.self))
            ? .eventLoopsLinked : .default
        #else
        return .default
        #endif
    }
}
