public import Foundation

/// Login sessions that ended before their cookie expired (RP-Initiated Logout 1.0 §2):
/// the session cookie, and the codes, refresh tokens and device grants of that session,
/// are refused from then on.
///
/// Key `sid:<session id>`, kept until nothing of the session can still be valid: the cookie
/// (`auth_time` + the session lifetime) and the last refresh token issued in it, which is at
/// most a refresh-token lifetime from now (no family of an ended session can rotate again).
public struct SessionEnds: Sendable {
    let store: any StateStore

    public func end(_ session: LoginSession, lifetimes: Lifetimes, now: Date) async throws {
        let cookie = Date(timeIntervalSince1970: TimeInterval(session.authTime + lifetimes.session))
        let refresh = now.addingTimeInterval(TimeInterval(lifetimes.refreshToken))
        try await store.deny(StateNamespace.endedSession.key(session.sessionID), until: max(cookie, refresh))
    }

    /// Ends a session known only by its id (`permiso revoke --session`): without its sign-in
    /// time, the marker lasts as long as the longest cookie or refresh token issued now could.
    public func end(sessionID: String, lifetimes: Lifetimes, now: Date) async throws {
        let longest = max(lifetimes.session, lifetimes.refreshToken)
        try await store.deny(StateNamespace.endedSession.key(sessionID), until: now.addingTimeInterval(TimeInterval(longest)))
    }

    public func isEnded(sessionID: String) async throws -> Bool {
        try await store.isDenied(StateNamespace.endedSession.key(sessionID))
    }
}
