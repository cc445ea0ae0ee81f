internal import Foundation

/// A passkey button's sealed form: the challenge the browser was given (WebAuthn Level 3
/// §13.4.3: random, from the relying party, used once), what the sign-in is for, and — for
/// a second factor — whose password was right. Bound to the browser like every form, so a
/// challenge shown in one browser cannot complete a sign-in in another.
public struct PasskeyTransaction: BoundTransaction, Equatable {
    public static let purpose = SealPurpose.passkeyTransaction

    public var then: SignInContinuation
    /// 256 random bits, base64url.
    public var challenge: String
    /// Set for a second factor: only this user's passkeys, user presence enough. `nil` for
    /// sign-in without a username: any listed passkey, user verification required.
    public var subject: String?
    /// For a step-up, the session it strengthens (as `SecondFactorTransaction.stepUpOf`).
    public var stepUpOf: String?
    public var binding: String

    public init(then: SignInContinuation, challenge: [UInt8], subject: String? = nil, stepUpOf: String? = nil, bindingCookie: String) {
        self.then = then
        self.challenge = Data(challenge).base64URLEncodedString
        self.subject = subject
        self.stepUpOf = stepUpOf
        self.binding = LoginTransaction.bindingDigest(bindingCookie)
    }

    public var challengeBytes: [UInt8] { Data(base64URLEncoded: challenge).map(Array.init) ?? [] }

    /// A new challenge: 256 bits from the system's generator (§13.4.3 asks for at least 128).
    public static func newChallenge() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

/// The account page's sign-in form (password, then second factor or passkey).
public struct AccountTransaction: BoundTransaction, Equatable {
    public static let purpose = SealPurpose.accountTransaction
    public var binding: String

    public init(bindingCookie: String) {
        self.binding = LoginTransaction.bindingDigest(bindingCookie)
    }
}

/// The account page's "add a passkey" form: the registration challenge, for whom and in
/// which session, so the credential made can only be shown to that session's user.
public struct PasskeyEnrollmentTransaction: BoundTransaction, Equatable {
    public static let purpose = SealPurpose.passkeyEnrollmentTransaction
    public var subject: String
    public var sessionID: String
    public var challenge: String
    public var binding: String

    public init(subject: String, sessionID: String, challenge: [UInt8], bindingCookie: String) {
        self.subject = subject
        self.sessionID = sessionID
        self.challenge = Data(challenge).base64URLEncodedString
        self.binding = LoginTransaction.bindingDigest(bindingCookie)
    }

    public var challengeBytes: [UInt8] { Data(base64URLEncoded: challenge).map(Array.init) ?? [] }
}
