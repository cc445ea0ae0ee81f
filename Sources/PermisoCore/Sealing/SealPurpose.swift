/// What a sealed value is for.
///
/// The purpose is bound into the associated data and into the derived key, so a value sealed
/// as one purpose — a session cookie, say — can never be opened as another, such as a code.
public enum SealPurpose: String, Sendable, CaseIterable {
    case code
    case refresh
    case device
    case session
    /// The pending authorization request carried through the login and consent forms.
    case loginTransaction = "tx"
    /// The device grant's user code carried through the device login and consent forms.
    case deviceTransaction = "tx-device"
    /// A pending RP-initiated logout carried through the confirmation form.
    case logoutTransaction = "tx-logout"
    /// The second-factor form: a password was right, the code is still to come.
    case secondFactorTransaction = "tx-mfa"
    /// A passkey button's form: the WebAuthn challenge it was shown, and what it signs in for.
    case passkeyTransaction = "tx-webauthn"
    /// The account page's sign-in form, before a passkey can be added.
    case accountTransaction = "tx-account"
    /// The account page's "add a passkey" form: the registration challenge and the session it is for.
    case passkeyEnrollmentTransaction = "tx-webauthn-new"
    /// The demo relying party's own state, nonce and PKCE verifier, in its cookie.
    case demo
    /// The browser's form-binding cookie: only values Permiso minted bind a form.
    case binding
}
