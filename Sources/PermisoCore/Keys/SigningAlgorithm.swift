/// The JWS algorithms Permiso signs with (RFC 7518 §3, RFC 8037 §3.1).
public enum SigningAlgorithm: String, Sendable, CaseIterable, Codable, Comparable {
    /// RSASSA-PKCS1-v1_5 with SHA-256: the algorithm OIDC requires every provider to offer.
    case rs256 = "RS256"
    case ps256 = "PS256"
    case es256 = "ES256"
    case edDSA = "EdDSA"

    public var keyType: KeyType {
        switch self {
        case .rs256, .ps256: return .rsa
        case .es256: return .p256
        case .edDSA: return .ed25519
        }
    }

    /// Lower-case, for file names.
    var fileStem: String { rawValue.lowercased() }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The kinds of key material behind the algorithms.
public enum KeyType: String, Sendable {
    case rsa = "an RSA key"
    case p256 = "a P-256 key"
    case ed25519 = "an Ed25519 key"
}
