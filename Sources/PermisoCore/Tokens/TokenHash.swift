internal import Crypto
internal import Foundation

/// `at_hash` (OIDC Core §3.1.3.6): the left half of the hash of the access token, with the
/// hash of the ID token's signing algorithm — SHA-256 for RS256, PS256 and ES256; SHA-512
/// for EdDSA over Ed25519, as OpenID's EdDSA profile and most libraries use.
public enum TokenHash {
    public static func atHash(_ accessToken: String, algorithm: SigningAlgorithm) -> String {
        let data = Data(accessToken.utf8)
        let digest: Data
        switch algorithm {
        case .rs256, .ps256, .es256: digest = Data(SHA256.hash(data: data))
        case .edDSA: digest = Data(SHA512.hash(data: data))
        }
        return digest.prefix(digest.count / 2).base64URLEncodedString
    }
}
