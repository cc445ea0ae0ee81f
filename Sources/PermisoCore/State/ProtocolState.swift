/// The named operations over the one state store a process has: everything Permiso keeps
/// between requests, by concern (docs/ARCHITECTURE.md "The state operations").
///
/// Flows and endpoints use these and never the store itself, so each concern's key format
/// and lifetime rule live in one file beside its doc comment.
public struct ProtocolState: Sendable {
    public let codes: CodeRedemptions
    public let refreshFamilies: RefreshFamilies
    public let sessions: SessionEnds
    public let deviceGrants: DeviceGrants
    public let signIns: SignInThrottle
    public let userCodes: UserCodeThrottle
    public let deviceStarts: DeviceStartThrottle
    public let clientSecrets: ClientSecretThrottle
    public let oneTimeCodes: OneTimeCodeUses
    public let passkeys: PasskeyUses
    public let recoveryCodes: RecoveryCodeUses
    public let revocations: Revocations
    public let revocationRequests: RevocationThrottle
    public let probe: StoreProbe

    public init(store: any StateStore) {
        codes = CodeRedemptions(store: store)
        refreshFamilies = RefreshFamilies(store: store)
        sessions = SessionEnds(store: store)
        deviceGrants = DeviceGrants(store: store)
        signIns = SignInThrottle(store: store)
        userCodes = UserCodeThrottle(store: store)
        deviceStarts = DeviceStartThrottle(store: store)
        clientSecrets = ClientSecretThrottle(store: store)
        oneTimeCodes = OneTimeCodeUses(store: store)
        passkeys = PasskeyUses(store: store)
        recoveryCodes = RecoveryCodeUses(store: store)
        revocations = Revocations(store: store)
        revocationRequests = RevocationThrottle(store: store)
        probe = StoreProbe(store: store)
    }
}
