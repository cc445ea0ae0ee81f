public import Foundation

/// The login session, sealed into the session cookie: who logged in, when, how, and which
/// clients they already consented to (so consent is asked once per client and scope set).
public struct LoginSession: Codable, Sendable, Equatable {
    public var subject: String
    public var authTime: Int
    /// The session id: in ID tokens as `sid`, and what logout denies.
    public var sessionID: String
    public var amr: [String]
    /// Client id → scopes the user agreed to.
    public var consents: [String: [String]]
    /// The clients to tell when this session ends (OpenID Back-Channel Logout 1.0): those with
    /// a logout URI that got an ID token in it, by `clientDigest`, oldest first. At most
    /// `maximumRecordedClients`, so the cookie stays well under browsers' 4 KB whatever the
    /// client ids; past that, the client that signed in longest ago is forgotten and not told.
    public var recordedClients: [String]

    /// 16 clients of 11 characters each: about 300 bytes of the cookie.
    public static let maximumRecordedClients = 16

    enum CodingKeys: String, CodingKey {
        case subject = "s"
        case authTime = "at"
        case sessionID = "sid"
        case amr
        case consents = "c"
        case recordedClients = "rp"
    }

    public init(
        subject: String,
        authTime: Date,
        sessionID: String,
        amr: [String],
        consents: [String: [String]] = [:],
        recordedClients: [String] = []
    ) {
        self.subject = subject
        self.authTime = Int(authTime.timeIntervalSince1970)
        self.sessionID = sessionID
        self.amr = amr
        self.consents = consents
        self.recordedClients = recordedClients
    }

    /// Cookies sealed before sessions recorded clients open with none recorded.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subject = try container.decode(String.self, forKey: .subject)
        authTime = try container.decode(Int.self, forKey: .authTime)
        sessionID = try container.decode(String.self, forKey: .sessionID)
        amr = try container.decode([String].self, forKey: .amr)
        consents = try container.decode([String: [String]].self, forKey: .consents)
        recordedClients = try container.decodeIfPresent([String].self, forKey: .recordedClients) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(subject, forKey: .subject)
        try container.encode(authTime, forKey: .authTime)
        try container.encode(sessionID, forKey: .sessionID)
        try container.encode(amr, forKey: .amr)
        try container.encode(consents, forKey: .consents)
        if !recordedClients.isEmpty { try container.encode(recordedClients, forKey: .recordedClients) }
    }

    /// Whether `text` could be a `sid` Permiso issues: base64url, at most 128 bytes. The CLI
    /// checks an operator's `--session` with it before writing a revocation.
    public static func isSessionID(_ text: String) -> Bool {
        text.utf8.count <= 128 && ASCIIText.isToken(text, punctuation: "_-")
    }

    /// A client's fixed-size name in the cookie: 64 bits of SHA-256 of its id, base64url.
    public static func clientDigest(_ clientID: String) -> String {
        Data(SHA256Bytes.of(clientID).prefix(8)).base64URLEncodedString
    }

    /// This session with `client` recorded, if it wants to hear of the logout and is not yet
    /// recorded; `nil` when nothing changes (so the cookie need not be set again).
    public func recording(_ client: ClientConfig) -> LoginSession? {
        guard client.hearsOfLogout else { return nil }
        let digest = Self.clientDigest(client.id)
        guard !recordedClients.contains(digest) else { return nil }
        var next = self
        next.recordedClients = Array((recordedClients + [digest]).suffix(Self.maximumRecordedClients))
        return next
    }

    /// The config's clients this session recorded; a client removed from the config since is skipped.
    public func recorded(in config: PermisoConfig) -> [ClientConfig] {
        let wanted = Set(recordedClients)
        return config.clients.filter { $0.hearsOfLogout && wanted.contains(Self.clientDigest($0.id)) }
    }

    /// OIDC Core §3.1.2.1: with max_age, a login older than that many seconds must be repeated.
    public func isFresh(maxAge: Int?, now: Date) -> Bool {
        guard let maxAge else { return true }
        return now.timeIntervalSince1970 - TimeInterval(authTime) <= TimeInterval(maxAge)
    }

    public func hasConsented(client: String, to scopes: [String]) -> Bool {
        Set(scopes).isSubset(of: consents[client] ?? [])
    }
}

/// What a sealed form carries through the browser, bound to a cookie: a form posted from
/// another site lacks the cookie and fails (CSRF).
public protocol BoundTransaction: Codable, Sendable {
    /// What it is sealed as: each kind of transaction has its own purpose, so one opens only
    /// as itself (a login form's value posted to the logout confirmation opens nothing).
    static var purpose: SealPurpose { get }
    /// SHA-256 of the binding cookie's random value.
    var binding: String { get }
}

extension BoundTransaction {
    public func isBound(to cookie: String?) -> Bool {
        LoginTransaction.binding(binding, matches: cookie)
    }
}

/// A device grant's user code carried through the device login and consent forms.
public struct DeviceTransaction: BoundTransaction, Equatable {
    public static let purpose = SealPurpose.deviceTransaction
    public var userCode: String
    public var binding: String

    public init(userCode: String, bindingCookie: String) {
        self.userCode = userCode
        self.binding = LoginTransaction.bindingDigest(bindingCookie)
    }
}

/// A pending authorization request carried through the login or consent form.
public struct LoginTransaction: BoundTransaction, Equatable {
    public static let purpose = SealPurpose.loginTransaction
    public var request: AuthorizationRequest
    /// SHA-256 of the binding cookie's random value.
    public var binding: String

    public init(request: AuthorizationRequest, bindingCookie: String) {
        self.request = request
        self.binding = Self.bindingDigest(bindingCookie)
    }

    /// Whether a stored binding digest belongs to this cookie value, compared in constant time.
    public static func binding(_ digest: String, matches cookie: String?) -> Bool {
        guard let cookie else { return false }
        return ConstantTime.equals(Array(bindingDigest(cookie).utf8), Array(digest.utf8))
    }

    /// What a form stores of its binding cookie: a digest, so the form alone reveals nothing usable.
    public static func bindingDigest(_ value: String) -> String {
        Data(SHA256Bytes.of(value)).base64URLEncodedString
    }
}
