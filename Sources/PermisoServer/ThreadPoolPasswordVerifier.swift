import NIOPosix
import PermisoCore
import Tracing

/// Checks password and client-secret hashes on NIO's blocking-work pool, so the event loops
/// (which also run the request tasks, see `permiso serve`) keep serving while a bcrypt runs.
struct ThreadPoolPasswordVerifier: PasswordVerifier {
    func verify(_ password: String, against hash: String) async -> Bool {
        // The span (`--tracing`) shows the hash's cost beside the request it slowed.
        await withSpan("permiso.password_verify", ofKind: .internal) { span in
            // The crypt identifier only ("2b", "y", "6"): never the salt or the hash.
            span.attributes["permiso.hash_id"] = hash.split(separator: "$", maxSplits: 1).first.map(String.init)
            // The pool stops only at process exit; a check it cannot run fails closed.
            return (try? await NIOThreadPool.singleton.runIfActive { PasswordHash.verify(password, against: hash) }) ?? false
        }
    }
}
