public import Foundation
public import JWTKit

/// An ID token's claims (OIDC Core §2, §3.1.3.6) plus the user claims its scopes release.
public struct IDTokenClaims: JWTPayload, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var azp: String
    public var exp: Int
    public var iat: Int
    public var authTime: Int
    public var nonce: String?
    public var atHash: String?
    public var sid: String
    public var amr: [String]
    /// Released user claims, by name.
    public var userClaims: [String: JSONValue]

    public init(
        iss: String,
        sub: String,
        clientID: String,
        exp: Date,
        iat: Date,
        authTime: Int,
        nonce: String?,
        atHash: String?,
        sid: String,
        amr: [String],
        userClaims: [String: JSONValue]
    ) {
        self.iss = iss
        self.sub = sub
        self.aud = clientID
        self.azp = clientID
        self.exp = Int(exp.timeIntervalSince1970)
        self.iat = Int(iat.timeIntervalSince1970)
        self.authTime = authTime
        self.nonce = nonce
        self.atHash = atHash
        self.sid = sid
        self.amr = amr
        self.userClaims = userClaims
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        // User claims first, so a protocol claim can never be overwritten by one (the config refuses those anyway).
        for (name, value) in userClaims { try container.encode(value, forKey: Key(name)) }
        try container.encode(iss, forKey: Key("iss"))
        try container.encode(sub, forKey: Key("sub"))
        try container.encode(aud, forKey: Key("aud"))
        try container.encode(azp, forKey: Key("azp"))
        try container.encode(exp, forKey: Key("exp"))
        try container.encode(iat, forKey: Key("iat"))
        try container.encode(authTime, forKey: Key("auth_time"))
        try container.encodeIfPresent(nonce, forKey: Key("nonce"))
        try container.encodeIfPresent(atHash, forKey: Key("at_hash"))
        try container.encode(sid, forKey: Key("sid"))
        try container.encode(amr, forKey: Key("amr"))
        // OIDC Core §2: the level the session's methods reached.
        try container.encode(AuthenticationLevel(amr: amr).rawValue, forKey: Key("acr"))
    }

    static let protocolKeys: Set<String> = ["iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr", "acr"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        iss = try container.decode(String.self, forKey: Key("iss"))
        sub = try container.decode(String.self, forKey: Key("sub"))
        aud = try container.decode(String.self, forKey: Key("aud"))
        azp = try container.decode(String.self, forKey: Key("azp"))
        exp = try container.decode(Int.self, forKey: Key("exp"))
        iat = try container.decode(Int.self, forKey: Key("iat"))
        authTime = try container.decode(Int.self, forKey: Key("auth_time"))
        nonce = try container.decodeIfPresent(String.self, forKey: Key("nonce"))
        atHash = try container.decodeIfPresent(String.self, forKey: Key("at_hash"))
        sid = try container.decode(String.self, forKey: Key("sid"))
        amr = try container.decode([String].self, forKey: Key("amr"))
        var claims: [String: JSONValue] = [:]
        for key in container.allKeys where !Self.protocolKeys.contains(key.stringValue) {
            claims[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
        userClaims = claims
    }

    /// Checked by the relying party, not here.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
