/// What a sign-in is for, carried through its forms (password, second factor, passkey): what
/// to continue with once the person is signed in.
public enum SignInContinuation: Codable, Sendable, Equatable {
    /// An authorization request, which then proceeds to consent or the code.
    case authorization(AuthorizationRequest)
    /// A device's user code (RFC 8628 §3.3), which then proceeds to the device's consent.
    case device(userCode: String)
    /// The account page, which asks for a recent sign-in before a passkey is added.
    case account
}
