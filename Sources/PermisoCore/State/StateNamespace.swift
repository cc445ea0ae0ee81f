import Foundation

/// Every prefix a state key may start with, declared once, so no two concerns can share a
/// key (docs/ARCHITECTURE.md "The state operations").
///
/// A key is `<namespace>:<part>:<part>…`. No namespace contains `:` and none equals another,
/// so keys of two concerns can never be equal whatever their parts hold.
///
/// These are the first formats of each concern, byte-identical to what running instances
/// write, so a rolling upgrade keeps every single-use marker and revocation. When a concern
/// changes the parts of its key or the encoding of its value, it takes a new namespace
/// (`device.2`) rather than reusing this one: an older instance then never reads a value it
/// cannot understand, and a newer one never mistakes an old value for its own. The state
/// layer's tests pin every format, so such a change cannot happen by accident.
enum StateNamespace: String, CaseIterable, Sendable {
    /// A redeemed authorization code, by the code's `jti`.
    case redeemedCode = "code"
    /// A used refresh-token generation: `<family>:<generation>`.
    case refreshGeneration = "refresh"
    /// A revoked refresh-token family.
    case revokedFamily = "family"
    /// An ended login session, by its `sid`.
    case endedSession = "sid"
    /// A device grant's record, by its user code.
    case deviceGrant = "device"
    /// A redeemed device code, by its `jti`.
    case redeemedDeviceCode = "device-used"
    /// When a device last polled and its current interval, by the device code's `jti`.
    case devicePoll = "device-poll"
    /// Sign-in attempts per client address.
    case signInByAddress = "login-addr"
    /// Sign-in attempts per username and client address: `<digest of the username>:<address>`.
    case signInByUserAndAddress = "login-pair"
    case secondFactorByUser = "login-otp"
    case secondFactorByUserPerDay = "login-otp-day"
    /// Client-secret checks per client and client address: `<client id>:<address>`.
    case clientSecretByClientAndAddress = "client-secret"
    /// Device authorizations per client address.
    case deviceStartByAddress = "device-start-addr"
    /// Device authorizations per client and client address: `<client id>:<address>`.
    case deviceStartByClientAndAddress = "device-start"
    /// User-code lookups per client address.
    case userCodeLookupByAddress = "device-lookup-addr"
    /// User-code lookups over the whole code space (no parts).
    case userCodeLookupOverall = "device-lookup-all"
    case usedOneTimeCode = "totp"
    /// A used WebAuthn challenge, by its digest.
    case usedPasskeyChallenge = "webauthn-challenge"
    /// The highest signature counter seen for a passkey, by the digest of its credential id.
    case passkeySignCount = "webauthn-count"
    /// A used recovery code: `<digest of the subject>:<digest of the code's hash>`.
    case usedRecoveryCode = "recovery"
    /// The key `/readyz` reads to see that the store answers (no parts; never written).
    case probe = "probe"
    /// Revocations per client and subject (RFC 7009): `<client id>:<digest of the subject>`.
    case revocationByClient = "revoke"
    /// A revoked access token (RFC 7009), by its `jti`.
    case revokedAccessToken = "access"
    /// `permiso revoke --subject`: the time before which the subject's tokens are refused,
    /// by the digest of the subject.
    case subjectEpoch = "epoch-sub"
    /// `permiso revoke --client`: the time before which the client's tokens are refused, by client id.
    case clientEpoch = "epoch-client"

    /// The key for `parts` in this namespace; with no parts, the namespace alone.
    func key(_ parts: String...) -> String {
        parts.isEmpty ? rawValue : rawValue + ":" + parts.joined(separator: ":")
    }
}

/// Parts of a key that a client chooses, made fixed-size so a key's size never follows
/// what a request sends.
enum StateKeyPart {
    /// 128 bits of SHA-256, base64url: 22 characters, whatever the text.
    static func digest(_ text: String) -> String {
        Data(SHA256Bytes.of(text).prefix(16)).base64URLEncodedString
    }
}

/// How long a marker must outlive the value it guards: until the value has expired, plus
/// a second, so a value whose last second is still running can never meet a missing marker.
enum MarkerLifetime {
    static func until(_ expiresAt: Date, now: Date) -> Int {
        max(1, Int(expiresAt.timeIntervalSince(now).rounded(.up)) + 1)
    }
}
