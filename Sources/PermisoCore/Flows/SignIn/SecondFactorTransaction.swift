/// The second-factor form's sealed state: whose password was right, and what to continue
/// with once the code is too. Bound to the browser's binding cookie like every form, and
/// sealed under its own purpose, so no other form's value opens as one (a login form's
/// `tx` posted here is refused: the password step cannot be skipped).
public struct SecondFactorTransaction: BoundTransaction, Equatable {
    public static let purpose = SealPurpose.secondFactorTransaction

    /// The user whose password was verified, or whose session steps up.
    public var subject: String
    public var then: SignInContinuation
    /// For a step-up, the session it strengthens: the code only counts while the browser
    /// still holds that session (not one logged out since, nor another user's).
    public var stepUpOf: String?
    public var binding: String

    public init(subject: String, then: SignInContinuation, stepUpOf: String? = nil, bindingCookie: String) {
        self.subject = subject
        self.then = then
        self.stepUpOf = stepUpOf
        self.binding = LoginTransaction.bindingDigest(bindingCookie)
    }
}
