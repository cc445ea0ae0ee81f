public import Foundation
public import JWTKit

/// A Logout Token's claims (OpenID Connect Back-Channel Logout 1.0 §2.4): who issued it, for
/// which client, the logout event, and the session and user it ends. Never a `nonce` (§2.4:
/// so it cannot pass for an ID token), and a `typ` of `logout+jwt` in its header.
public struct LogoutTokenClaims: JWTPayload, Equatable {
    public static let event = "http://schemas.openid.net/event/backchannel-logout"

    public var iss: String
    public var aud: String
    public var iat: Int
    public var exp: Int
    public var jti: String
    public var sub: String
    public var sid: String
    /// §2.4: a JSON object with the one member `event`, whose value is `{}`.
    public var events: [String: [String: String]]

    public init(iss: String, clientID: String, subject: String, sessionID: String, iat: Date, lifetime: TimeInterval, jti: String) {
        self.iss = iss
        self.aud = clientID
        self.iat = Int(iat.timeIntervalSince1970)
        self.exp = Int(iat.addingTimeInterval(lifetime).timeIntervalSince1970)
        self.jti = jti
        self.sub = subject
        self.sid = sessionID
        self.events = [Self.event: [:]]
    }

    /// Checked by the relying party, not here.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
