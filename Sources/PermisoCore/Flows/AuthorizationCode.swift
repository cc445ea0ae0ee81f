public import Foundation

/// What a sealed authorization code carries: everything the token endpoint needs to check
/// the redemption and issue tokens, so no instance has to remember it.
public struct AuthorizationCode: Codable, Sendable, Equatable {
    public var clientID: String
    /// RFC 6749 §4.1.3: the redirect URI the authorization request sent, which the token
    /// request must repeat; `nil` when it was omitted (one registered URI).
    public var redirectURI: String?
    public var subject: String
    public var scopes: [String]
    public var nonce: String?
    public var codeChallenge: String?
    public var authTime: Int
    public var sessionID: String
    public var amr: [String]
    /// The APIs the authorization request named (RFC 8707); `nil` for none.
    public var resources: [String]? = nil
    /// When the code was issued, for `permiso revoke --client`.
    public var issuedAt: Int? = nil

    enum CodingKeys: String, CodingKey {
        case clientID = "c"
        case redirectURI = "r"
        case subject = "s"
        case scopes = "sc"
        case nonce = "n"
        case codeChallenge = "cc"
        case authTime = "at"
        case sessionID = "sid"
        case amr
        case resources = "rs"
        case issuedAt = "i"
    }

    public init(
        clientID: String,
        redirectURI: String?,
        subject: String,
        scopes: [String],
        nonce: String?,
        codeChallenge: String?,
        authTime: Date,
        sessionID: String,
        amr: [String],
        resources: [String]? = nil,
        issuedAt: Date? = nil
    ) {
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.subject = subject
        self.scopes = scopes
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.authTime = Int(authTime.timeIntervalSince1970)
        self.sessionID = sessionID
        self.amr = amr
        self.resources = resources
        self.issuedAt = issuedAt.map { Int($0.timeIntervalSince1970) }
    }
}

/// What a sealed refresh token carries (docs/ARCHITECTURE.md "Tokens handed to clients").
///
/// Each use rotates it: the family stays, the generation goes up by one. Presenting an
/// older generation means a copy leaked, and the whole family is revoked.
public struct RefreshToken: Codable, Sendable, Equatable {
    public var clientID: String
    public var subject: String
    public var scopes: [String]
    public var authTime: Int
    public var sessionID: String
    public var amr: [String]
    public var family: String
    public var generation: Int
    /// When this token was issued, for `permiso revoke --client`; absent from tokens sealed
    /// before it was recorded, which then count from `authTime`.
    public var issuedAt: Int?
    /// The APIs its grant was authorized for (RFC 8707): a refresh may ask for any one of them.
    public var resources: [String]? = nil
    /// When the family's first token was issued, the same for every generation, so a client
    /// epoch refuses the whole family however often it rotates; absent before it was recorded.
    public var grantedAt: Int? = nil

    enum CodingKeys: String, CodingKey {
        case clientID = "c"
        case subject = "s"
        case scopes = "sc"
        case authTime = "at"
        case sessionID = "sid"
        case amr
        case family = "f"
        case generation = "g"
        case issuedAt = "i"
        case resources = "rs"
        case grantedAt = "gi"
    }
}
