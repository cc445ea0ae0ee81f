internal import Crypto
internal import Foundation

/// A public JSON Web Key (RFC 7517), as published in the JWKS.
///
/// Only public members exist on this type, so a private one cannot reach the JWKS by accident.
public struct JSONWebKey: Sendable, Equatable, Codable {
    public var kty: String
    public var use: String?
    public var alg: String?
    public var kid: String?
    // RSA (RFC 7518 §6.3.1)
    public var n: String?
    public var e: String?
    // EC and OKP (RFC 7518 §6.2.1, RFC 8037 §2)
    public var crv: String?
    public var x: String?
    public var y: String?

    public init(
        kty: String,
        use: String? = nil,
        alg: String? = nil,
        kid: String? = nil,
        n: String? = nil,
        e: String? = nil,
        crv: String? = nil,
        x: String? = nil,
        y: String? = nil
    ) {
        self.kty = kty
        self.use = use
        self.alg = alg
        self.kid = kid
        self.n = n
        self.e = e
        self.crv = crv
        self.x = x
        self.y = y
    }

    /// The RFC 7638 thumbprint: SHA-256 over the required members, sorted, without whitespace.
    ///
    /// Used as the `kid`, so a key's id follows from the key and is never typed by hand.
    public func thumbprint() -> String {
        // RFC 7638 §3.2 (RSA, EC) and RFC 8037 §2 (OKP) name the required members; the values
        // are base64url or fixed names, so they need no JSON escaping.
        let members: [(String, String?)]
        switch kty {
        case "RSA": members = [("e", e), ("kty", kty), ("n", n)]
        case "EC": members = [("crv", crv), ("kty", kty), ("x", x), ("y", y)]
        default: members = [("crv", crv), ("kty", kty), ("x", x)]
        }
        let canonical = "{" + members.map { "\"\($0.0)\":\"\($0.1 ?? "")\"" }.joined(separator: ",") + "}"
        return Data(SHA256.hash(data: Data(canonical.utf8))).base64URLEncodedString
    }
}

/// The JWKS document (RFC 7517 §5).
public struct JSONWebKeySet: Sendable, Equatable, Codable {
    public var keys: [JSONWebKey]

    public init(keys: [JSONWebKey]) {
        self.keys = keys
    }
}
