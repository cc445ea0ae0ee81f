/// Where password and client-secret hashes are checked.
///
/// A hash costs tens of milliseconds by design, and a wrong secret is checked in full every
/// time. On the server's event loops each check would stall every connection on its loop
/// (and a stream of bad secrets would stall them all), so the server passes a verifier that
/// runs on a thread pool; the CLI and tests check on the calling thread.
public protocol PasswordVerifier: Sendable {
    func verify(_ password: String, against hash: String) async -> Bool
}

/// Checks on the calling thread.
public struct InlinePasswordVerifier: PasswordVerifier {
    public init() {}

    public func verify(_ password: String, against hash: String) async -> Bool {
        PasswordHash.verify(password, against: hash)
    }
}
