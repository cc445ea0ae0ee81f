/// The `acr` values Permiso defines (OIDC Core §2, §3.1.2.1): how strongly a session's user
/// was authenticated, from the methods its `amr` lists (RFC 8176). Discovery lists them in
/// `acr_values_supported`; ID tokens carry the session's.
public enum AuthenticationLevel: String, Sendable, Codable, CaseIterable, Comparable {
    /// A password alone.
    case password = "urn:permiso:acr:password"
    /// A password and a second factor.
    case multiFactor = "urn:permiso:acr:mfa"

    public init(amr: [String]) {
        self = amr.contains("mfa") ? .multiFactor : .password
    }

    private var rank: Int { self == .password ? 0 : 1 }

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}
