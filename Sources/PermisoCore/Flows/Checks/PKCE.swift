internal import Crypto
internal import Foundation

/// Proof Key for Code Exchange (RFC 7636), S256 only.
///
/// `plain` is refused: it protects nothing once the authorization request leaks, which is
/// the attack PKCE exists for (RFC 9700 §2.1.1).
public enum PKCE {
    /// The characters of a code verifier (RFC 7636 §4.1).
    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// Checks the authorization request's challenge and returns it, or `nil` when none was sent and none is required.
    public static func checkChallenge(
        _ challenge: String?,
        method: String?,
        required: Bool
    ) throws(OAuthError)
        -> String?
    {
        guard let challenge, !challenge.isEmpty else {
            if method != nil { throw .invalidRequest("code_challenge_method was sent without code_challenge") }
            // RFC 7636 §4.4.1: a server that requires PKCE answers invalid_request.
            if required { throw .invalidRequest("this client must use PKCE: send code_challenge with method S256") }
            return nil
        }
        // RFC 7636 §4.3: a missing method means plain, which is refused like an explicit one.
        guard method == "S256" else {
            throw .invalidRequest("code_challenge_method must be S256; plain is not supported")
        }
        // BASE64URL(SHA256(verifier)) is always 43 characters.
        guard challenge.utf8.count == 43, Data(base64URLEncoded: challenge)?.count == 32 else {
            throw .invalidRequest("code_challenge must be the 43-character base64url SHA-256 of the code verifier")
        }
        return challenge
    }

    /// Checks the token request's verifier against the challenge the code carries (RFC 7636 §4.6).
    public static func verify(verifier: String?, challenge: String?) throws(OAuthError) {
        guard let challenge else {
            // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
            if verifier != nil { throw .invalidGrant("code_verifier sent, but the authorization request had no code_challenge") }
            return
        }
        guard let verifier else { throw .invalidGrant("code_verifier is required: the authorization request used PKCE") }
        guard (43...128).contains(verifier.utf8.count), verifier.utf8.allSatisfy(unreserved.contains) else {
            throw .invalidRequest("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
        }
        let computed = Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString
        guard ConstantTime.equals(Array(computed.utf8), Array(challenge.utf8)) else {
            throw .invalidGrant("code_verifier does not match the code_challenge")
        }
    }
}
