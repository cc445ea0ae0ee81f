public import Foundation
public import JWTKit

/// An access token's claims: an RFC 9068 JWT, so resource servers verify it offline against
/// the JWKS. Userinfo verifies it the same way.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim
    /// The user, or the client itself for client_credentials (RFC 9068 §2.2).
    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    public var jti: IDClaim
    public var clientID: String
    /// Space-separated, as in the token response (RFC 9068 §2.2.3).
    public var scope: String
    public var authTime: Int?
    /// The login session, so a logout can refuse its tokens.
    public var sid: String?

    /// The refresh-token family of the grant that issued this token: the `jti` is
    /// `<family>.<random>` for user tokens, so a revoked family (a replayed code or refresh
    /// token, RFC 6749 §4.1.2, RFC 9700 §4.14) is refused at userinfo with its tokens.
    /// `nil` for client_credentials tokens, which belong to no family.
    public var family: String? {
        let parts = jti.value.split(separator: ".", maxSplits: 1)
        return parts.count == 2 && !parts[0].isEmpty ? String(parts[0]) : nil
    }

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, jti, scope, sid
        case clientID = "client_id"
        case authTime = "auth_time"
    }

    public init(
        iss: String,
        sub: String,
        aud: [String],
        exp: Date,
        iat: Date,
        jti: String,
        clientID: String,
        scope: [String],
        authTime: Date? = nil,
        sid: String? = nil
    ) {
        self.iss = IssuerClaim(value: iss)
        self.sub = SubjectClaim(value: sub)
        self.aud = AudienceClaim(value: aud)
        // NumericDate in whole seconds, as every other claim Permiso writes.
        self.exp = ExpirationClaim(value: Date(timeIntervalSince1970: exp.timeIntervalSince1970.rounded(.down)))
        self.iat = IssuedAtClaim(value: Date(timeIntervalSince1970: iat.timeIntervalSince1970.rounded(.down)))
        self.jti = IDClaim(value: jti)
        self.clientID = clientID
        self.scope = scope.joined(separator: " ")
        self.authTime = authTime.map { Int($0.timeIntervalSince1970) }
        self.sid = sid
    }

    /// The payload as `JSONEncoder` (sorted keys, seconds) would write it, written directly:
    /// every access token is signed over these bytes (see `CompactJSON`).
    var compactJSON: [UInt8] {
        var json = CompactJSON()
        if aud.value.count == 1 { json.field("aud", aud.value[0]) } else { json.field("aud", aud.value) }
        if let authTime { json.field("auth_time", authTime) }
        json.field("client_id", clientID)
        json.field("exp", Int(exp.value.timeIntervalSince1970))
        json.field("iat", Int(iat.value.timeIntervalSince1970))
        json.field("iss", iss.value)
        json.field("jti", jti.value)
        json.field("scope", scope)
        if let sid { json.field("sid", sid) }
        json.field("sub", sub.value)
        return json.finish()
    }

    public var scopes: [String] { scope.split(separator: " ").map(String.init) }

    public var subject: String { sub.value }

    /// The claims as plain values, so callers need not know jwt-kit's claim types.
    public var issuer: String { iss.value }
    public var audience: [String] { aud.value }
    public var expiresAt: Date { exp.value }
    /// `iat` in whole seconds since 1970.
    public var issuedAt: Int { Int(iat.value.timeIntervalSince1970) }
    public var tokenID: String { jti.value }

    /// Expiry and issuer are checked by `TokenSigner.verifyAccessToken` against its clock;
    /// jwt-kit's hook has no clock to inject.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
