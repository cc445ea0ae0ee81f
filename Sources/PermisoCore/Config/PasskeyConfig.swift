/// One of a user's passkeys, as the config lists it: reviewed and deployed like any other
/// config change, never written by the running service. `/account/passkeys` shows the entry
/// to add after verifying a new credential; removing it stops that credential at the next reload.
public struct PasskeyConfig: Sendable, Equatable {
    /// The credential id (WebAuthn §4 "Credential ID"), raw bytes.
    public var id: [UInt8]
    public var publicKey: PasskeyPublicKey
    /// What the person called it, shown on the account page.
    public var name: String
    /// The transports the authenticator reported (§5.8.4), passed back as hints at sign-in.
    public var transports: [String]
    /// When it was registered, `YYYY-MM-DD`, for the reviewer.
    public var created: String?

    public init(id: [UInt8], publicKey: PasskeyPublicKey, name: String, transports: [String] = [], created: String? = nil) {
        self.id = id
        self.publicKey = publicKey
        self.name = name
        self.transports = transports
        self.created = created
    }

    /// The transports WebAuthn Level 3 §5.8.4 defines; others are dropped, not refused,
    /// since browsers add new ones.
    public static let knownTransports: Set<String> = ["usb", "nfc", "ble", "smart-card", "hybrid", "internal"]
}
