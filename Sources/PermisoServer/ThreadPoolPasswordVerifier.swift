import NIOPosix
import PermisoCore

/// Checks password and client-secret hashes on NIO's blocking-work pool, so the event loops
/// (which also run the request tasks, see `permiso serve`) keep serving while a bcrypt runs.
struct ThreadPoolPasswordVerifier: PasswordVerifier {
    func verify(_ password: String, against hash: String) async -> Bool {
        // The pool stops only at process exit; a check it cannot run fails closed.
        (try? await NIOThreadPool.singleton.runIfActive { PasswordHash.verify(password, against: hash) }) ?? false
    }
}
