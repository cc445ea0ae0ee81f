/// The throttles whose refusals answer `temporarily_unavailable` (RFC 6749 §5.2 has no closer
/// code), named so an operator can count them apart from a store outage, which answers the
/// same code. Each throttle's error is made here, once, so recognising it is exact.
public enum ThrottleRefusal: String, Sendable, CaseIterable {
    /// Device authorizations per address, and per client from one address
    /// (`DeviceStartThrottle`).
    case deviceAuthorization = "device_authorization"
    /// Revocations per client and user (`RevocationThrottle`).
    case revocation

    /// What the endpoint answers.
    public var error: OAuthError {
        switch self {
        case .deviceAuthorization:
            .temporarilyUnavailable("too many device authorizations from this address; try again in a few minutes")
        case .revocation: .temporarilyUnavailable("too many revocations for this user; try again in a few minutes")
        }
    }

    /// The throttle that refused, when `error` is a throttle's refusal.
    public init?(_ error: OAuthError) {
        guard let refusal = Self.allCases.first(where: { $0.error == error }) else { return nil }
        self = refusal
    }
}
