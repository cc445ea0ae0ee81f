import Foundation

/// Login sessions that ended before their cookie expired (RP-Initiated Logout 1.0 §2):
/// the session cookie, and the codes, refresh tokens and device grants of that session,
/// are refused from then on.
///
/// Key `sid:<session id>`, kept until the session would have expired anyway
/// (`auth_time` + the session lifetime).
public struct SessionEnds: Sendable {
    let store: any StateStore

    public func end(_ session: LoginSession, lifetimes: Lifetimes) async throws {
        let until = Date(timeIntervalSince1970: TimeInterval(session.authTime + lifetimes.session))
        try await store.deny(StateNamespace.endedSession.key(session.sessionID), until: until)
    }

    public func isEnded(sessionID: String) async throws -> Bool {
        try await store.isDenied(StateNamespace.endedSession.key(sessionID))
    }
}
