import Foundation

/// Polling at the token endpoint with `grant_type=urn:ietf:params:oauth:grant-type:device_code`
/// (RFC 8628 §3.4–3.5).
///
/// Until the person decides: `authorization_pending`, or `slow_down` when the device polls
/// sooner than its interval, which then grows by five seconds for good. After: tokens
/// exactly once, or `access_denied`. Past the code's lifetime: `expired_token`.
public enum DeviceCodeGrant: RedeemingGrant {
    public static let value = SealedGrant<DeviceCode>.deviceCode

    public static func redeem(_ sealed: Sealed<DeviceCode>, _ request: TokenRequest) async throws(OAuthError) -> TokenResponse {
        let code = sealed.payload
        // The device authorization takes no resource, so its tokens are for the issuer alone.
        _ = try ResourceRequest.target(request.parameters, client: request.client, config: request.config, granted: [])
        let record: DeviceGrantRecord = try await withStateStore {
            guard let stored = try await request.state.deviceGrants.find(userCode: code.userCode) else {
                // The record lives exactly as long as the code; gone means expired (or a
                // memory store that restarted).
                throw OAuthError.expiredToken("the device code has expired; start again")
            }
            let record = stored.record
            guard record.deviceCodeID == sealed.jti else { throw OAuthError.invalidGrant("the device code is not valid") }
            switch record.status {
            case .denied:
                throw OAuthError.accessDenied("the user denied the request")
            case .pending:
                let pace = try await request.state.deviceGrants.pace(
                    deviceCodeID: sealed.jti,
                    interval: DeviceAuthorization.interval,
                    expiresAt: sealed.expiresAt,
                    now: request.now
                )
                switch pace {
                case .onTime: throw OAuthError.authorizationPending("the user has not decided yet")
                case .raced: throw OAuthError.slowDown("polled again before the interval passed")
                case .tooSoon(let interval):
                    throw OAuthError.slowDown(
                        "polled sooner than every \(interval - 5) seconds; wait \(interval) seconds between polls"
                    )
                }
            case .approved:
                guard try await request.state.deviceGrants.redeem(deviceCodeID: sealed.jti, expiresAt: sealed.expiresAt, now: request.now) else {
                    throw OAuthError.invalidGrant("the device code was already used")
                }
                if let subject = record.subject {
                    // The session that approved it, and its user and client, must still stand.
                    let presented = Revocations.Presented(
                        subject: subject,
                        clientID: record.clientID,
                        // One sealed before it carried its issue time counts from the approval's sign-in.
                        issuedAt: code.issuedAt ?? record.authTime ?? 0,
                        authTime: record.authTime,
                        sessionID: record.sessionID
                    )
                    if let refusal = try await request.state.revocations.refusal(for: presented) {
                        throw OAuthError.invalidGrant(
                            refusal == .sessionEnded ? "the session that approved this device has ended" : refusal.description
                        )
                    }
                }
                return record
            }
        }
        let missing = "the user who approved this device no longer exists"
        guard let subject = record.subject, let authTime = record.authTime, let sessionID = record.sessionID else {
            throw .invalidGrant(missing)
        }
        return try await request.issuer.issue(
            .init(
                client: request.client,
                user: try request.deployment.user(of: subject, missing: missing),
                scopes: record.scopes,
                nonce: nil,
                authTime: authTime,
                sessionID: sessionID,
                amr: record.amr ?? [],
                family: sealed.jti,
                generation: 0,
                grantedAt: Int(request.now.timeIntervalSince1970)
            ),
            now: request.now
        )
    }
}
