internal import Foundation

/// A new authenticator for one user: a fresh secret, the `otpauth://` URI apps scan, and
/// the config lines that make it live once deployed (identity as code: the second factor
/// is a reviewed config entry referencing a secret kept outside the file).
public struct TOTPEnrollment: Sendable {
    public let username: String
    public let secret: TOTPConfig
    /// What the app shows the account as: the deployment's name.
    public let issuer: String

    /// 160 bits, RFC 4226 §4's recommended length, from the system's secure generator.
    public init(username: String, issuer: String) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.init(username: username, issuer: issuer, secret: TOTPConfig(secret: bytes))
    }

    init(username: String, issuer: String, secret: TOTPConfig) {
        self.username = username
        self.issuer = issuer
        self.secret = secret
    }

    public var base32Secret: String { Base32.encode(secret.secret) }

    /// Google Authenticator's Key Uri Format, which every authenticator app reads: the
    /// label `issuer:account`, and `issuer` repeated as a parameter.
    public var uri: String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":/?#@&=+")
        func escaped(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "secret", value: base32Secret),
            URLQueryItem(name: "issuer", value: issuer),
            URLQueryItem(name: "algorithm", value: secret.algorithm.rawValue),
            URLQueryItem(name: "digits", value: String(secret.digits)),
            URLQueryItem(name: "period", value: String(secret.period)),
        ]
        let parameters = query.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
        return "otpauth://totp/\(escaped(issuer)):\(escaped(username))?\(parameters)"
    }

    /// The lines to add under the user in `permiso.yaml`, with the secret read from
    /// `reference` (a file path or `${ENV_VAR}`).
    public func configLines(reference: String) -> String {
        """
          - username: \(username)
            # … the user's other fields, unchanged …
            totp:
              secret: \(reference)
        """
    }
}
