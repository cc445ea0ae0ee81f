/// What a sealed value is for.
///
/// The purpose is bound into the associated data and into the derived key, so a value sealed
/// as one purpose — a session cookie, say — can never be opened as another, such as a code.
public enum SealPurpose: String, Sendable, CaseIterable {
    case code
    case refresh
    case device
    case session
    /// The pending authorization request carried through the login form.
    case transaction = "tx"
}
