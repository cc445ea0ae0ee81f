public import Foundation

/// Whether a token Permiso issued, authentic and unexpired, has been revoked since: the one
/// question stateless tokens need the shared store for, asked wherever Permiso itself
/// answers for a token (userinfo, introspection, refresh, the session cookie).
///
/// A token can be revoked five ways, each a key in the store, and all five are asked in one
/// `StateStore.read` (one round trip with Redis):
///
/// | what | key | written by |
/// | --- | --- | --- |
/// | its login session ended | `sid:<session id>` | logout, `permiso revoke --session` (`SessionEnds`) |
/// | its refresh family was revoked | `family:<family>` | a replayed code or refresh token, revoking a refresh token (`RefreshFamilies`) |
/// | the access token itself was revoked | `access:<jti>` | RFC 7009 revocation of an access token |
/// | its subject's epoch is later | `epoch-sub:<digest of the subject>` | `permiso revoke --subject` |
/// | its client's epoch is later | `epoch-client:<client id>` | `permiso revoke --client` |
///
/// A refresh token is also spent once its generation was used (`refresh:<family>:<generation>`).
public struct Revocations: Sendable {
    let store: any StateStore

    /// What a presented token says about itself, as far as revocation goes.
    public struct Presented: Sendable, Equatable {
        /// The user, or the client itself for a client_credentials token.
        public var subject: String
        /// The client it was issued to; `nil` for a session cookie, which belongs to no client.
        public var clientID: String?
        /// When it was issued, in whole seconds since 1970.
        public var issuedAt: Int
        /// When its user signed in; `nil` for a client_credentials token.
        public var authTime: Int?
        public var sessionID: String?
        public var family: String?
        /// An access token's `jti`, which RFC 7009 revocation names.
        public var accessTokenID: String?
        /// A refresh token's generation: once used, that token is spent.
        public var generation: Int?
        /// When a refresh token's family began; a client epoch compares it, so rotating a
        /// stolen token ever faster never outruns the revocation.
        public var grantedAt: Int?

        public init(
            subject: String,
            clientID: String?,
            issuedAt: Int,
            authTime: Int? = nil,
            sessionID: String? = nil,
            family: String? = nil,
            accessTokenID: String? = nil,
            generation: Int? = nil,
            grantedAt: Int? = nil
        ) {
            self.subject = subject
            self.clientID = clientID
            self.issuedAt = issuedAt
            self.authTime = authTime
            self.sessionID = sessionID
            self.family = family
            self.accessTokenID = accessTokenID
            self.generation = generation
            self.grantedAt = grantedAt
        }

        /// An access token, by its claims.
        public init(_ claims: AccessTokenClaims) {
            self.init(
                subject: claims.subject,
                clientID: claims.clientID,
                issuedAt: claims.issuedAt,
                authTime: claims.authTime,
                sessionID: claims.sid,
                family: claims.family,
                accessTokenID: claims.tokenID
            )
        }

        /// A refresh token; one sealed before it carried its issue time counts from its sign-in.
        public init(_ token: RefreshToken) {
            self.init(
                subject: token.subject,
                clientID: token.clientID,
                issuedAt: token.issuedAt ?? token.authTime,
                authTime: token.authTime,
                sessionID: token.sessionID,
                family: token.family,
                generation: token.generation,
                grantedAt: token.grantedAt ?? token.authTime
            )
        }
    }

    /// Why a token is no longer good.
    public enum Refusal: Sendable, Equatable, CustomStringConvertible {
        case sessionEnded
        case familyRevoked
        case tokenRevoked
        case subjectRevoked
        case clientRevoked
        case spent

        public var description: String {
            switch self {
            case .sessionEnded: "the session of this token has ended"
            case .familyRevoked: "this token's grant was revoked"
            case .tokenRevoked: "this token was revoked"
            case .subjectRevoked: "every token of this user issued before now was revoked"
            case .clientRevoked: "every token of this client issued before now was revoked"
            case .spent: "this refresh token was already used"
            }
        }
    }

    /// The first reason `token` is refused, or `nil` when it stands: one store read.
    ///
    /// An epoch refuses what was issued at or before it (whole seconds, so a token from the
    /// same second as the revocation is refused too). A subject's epoch counts from the
    /// sign-in: a token issued after the revocation from a session signed in before it is
    /// refused as well, since that session is what the operator revoked. A client's epoch
    /// counts from when a refresh family began. An epoch that does not read as a number
    /// refuses everything: it was written to refuse, and nothing else writes there.
    public func refusal(for token: Presented) async throws -> Refusal? {
        var questions: [(String, (String) -> Refusal?)] = []
        if let sid = token.sessionID {
            questions.append((StateNamespace.endedSession.key(sid), { _ in .sessionEnded }))
        }
        if let family = token.family {
            questions.append((StateNamespace.revokedFamily.key(family), { _ in .familyRevoked }))
            if let generation = token.generation {
                questions.append((StateNamespace.refreshGeneration.key(family, String(generation)), { _ in .spent }))
            }
        }
        if let jti = token.accessTokenID {
            questions.append((StateNamespace.revokedAccessToken.key(jti), { _ in .tokenRevoked }))
        }
        let signedIn = token.authTime ?? token.issuedAt
        questions.append(
            (StateNamespace.subjectEpoch.key(StateKeyPart.digest(token.subject)), { Int($0).map { signedIn <= $0 } != false ? .subjectRevoked : nil })
        )
        if let client = token.clientID {
            let granted = token.grantedAt ?? token.issuedAt
            questions.append(
                (StateNamespace.clientEpoch.key(client), { Int($0).map { granted <= $0 } != false ? .clientRevoked : nil })
            )
        }
        let answers = try await store.read(questions.map(\.0))
        for ((_, refusal), answer) in zip(questions, answers) {
            if let answer, let refused = refusal(answer) { return refused }
        }
        return nil
    }

    /// Revokes one access token (RFC 7009 §2.1) until it would have expired anyway.
    public func revoke(accessTokenID: String, expiresAt: Date, now: Date) async throws {
        try await store.deny(StateNamespace.revokedAccessToken.key(accessTokenID), until: expiresAt.addingTimeInterval(1))
    }

    /// Whose tokens an operator revokes at once.
    public enum Holder: Sendable, Equatable {
        case subject(String)
        case client(String)
    }

    /// How far past `now` an epoch reaches: the hosts that issue tokens and the one that
    /// revokes them each read their own clock, and a token issued just before the revocation
    /// by a host a little ahead must not survive it. Sign-ins in those seconds are refused too.
    public static let clockMargin = 2

    /// Refuses every token of `holder` issued up to `now` (plus `clockMargin`), on every
    /// instance, until the last of them would have expired anyway. A later epoch replaces an
    /// earlier one; an earlier one never replaces a later one.
    public func revokeAll(of holder: Holder, lifetimes: Lifetimes, now: Date) async throws {
        let key =
            switch holder {
            case .subject(let subject): StateNamespace.subjectEpoch.key(StateKeyPart.digest(subject))
            case .client(let client): StateNamespace.clientEpoch.key(client)
            }
        try await store.raise(
            key,
            to: Int(now.timeIntervalSince1970.rounded(.down)) + Self.clockMargin,
            until: now.addingTimeInterval(TimeInterval(lifetimes.longestLived + Self.clockMargin + 1))
        )
    }
}
