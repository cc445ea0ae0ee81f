public import Foundation

/// OpenID Connect Back-Channel Logout 1.0, the part without HTTP: the Logout Token for each
/// client a session recorded (`LoginSession.recordedClients`), signed with that client's ID
/// token algorithm (§2.4). Who delivers them, and how patiently, is the server's.
///
/// No session table is needed: the session's own sealed cookie says which clients to tell,
/// so whichever instance sees the logout can tell them all.
public struct BackchannelLogout: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// One logout token, and where it goes.
    public struct Notice: Sendable, Equatable {
        public var clientID: String
        public var uri: String
        public var token: String

        public init(clientID: String, uri: String, token: String) {
            self.clientID = clientID
            self.uri = uri
            self.token = token
        }
    }

    /// Long enough for the retries of a delivery, short enough that a token captured on the
    /// way is soon useless (§2.4 asks for a short lifetime; the RP also refuses a `jti` twice).
    public static let tokenLifetime: TimeInterval = 120

    /// The notices for the clients `session` recorded that are still in the config.
    public func notices(for session: LoginSession, now: Date) throws(OAuthError) -> [Notice] {
        var notices: [Notice] = []
        for client in session.recorded(in: context.config) {
            guard let uri = client.backchannelLogoutURI else { continue }
            let claims = LogoutTokenClaims(
                iss: context.issuer.signer.issuer,
                clientID: client.id,
                subject: session.subject,
                sessionID: session.sessionID,
                iat: now,
                lifetime: Self.tokenLifetime,
                jti: RandomToken.make()
            )
            do {
                let token = try context.issuer.signer.sign(claims, algorithm: client.signingAlgorithm, type: .logoutToken)
                notices.append(Notice(clientID: client.id, uri: uri, token: token))
            } catch let error as OAuthError {
                throw error
            } catch {
                throw .serverError("a logout token could not be signed")
            }
        }
        return notices
    }
}
