public import Foundation

/// Polling at the token endpoint with `grant_type=urn:ietf:params:oauth:grant-type:device_code`
/// (RFC 8628 §3.4–3.5).
///
/// Until the person decides: `authorization_pending`, or `slow_down` when the device polls
/// sooner than its interval, which then grows by five seconds for good. After: tokens
/// exactly once, or `access_denied`. Past the code's lifetime: `expired_token`.
public struct DeviceCodeGrant: Sendable {
    public var issuer: TokenIssuer
    public var store: any StateStore

    public init(issuer: TokenIssuer, store: any StateStore) {
        self.issuer = issuer
        self.store = store
    }

    public func poll(client: ClientConfig, parameters: FormParameters, now: Date) async throws(OAuthError) -> TokenResponse {
        guard client.grantTypes.contains(.deviceCode) else {
            throw .unauthorizedClient("this client may not use the device authorization grant")
        }
        guard let text = parameters["device_code"] else { throw .invalidRequest("device_code is required") }
        let sealed: Sealed<DeviceCode>
        do {
            sealed = try issuer.sealer.open(text, as: DeviceCode.self, purpose: .device, now: now)
        } catch .expired {
            throw .expiredToken("the device code has expired; start again")
        } catch {
            throw .invalidGrant("the device code is not valid")
        }
        let code = sealed.payload
        guard code.clientID == client.id else { throw .invalidGrant("the device code was issued to another client") }
        let remaining = max(1, Int(sealed.expiresAt.timeIntervalSince(now).rounded(.up)) + 1)

        let record: DeviceGrantRecord = try await withStateStore {
            guard let text = try await store.value(DeviceGrantRecord.key(code.userCode)) else {
                // The record lives exactly as long as the code; gone means expired (or a
                // memory store that restarted).
                throw OAuthError.expiredToken("the device code has expired; start again")
            }
            guard let record = DeviceGrantRecord.decode(text), record.deviceCodeID == sealed.jti else {
                throw OAuthError.invalidGrant("the device code is not valid")
            }
            switch record.status {
            case .denied:
                throw OAuthError.accessDenied("the user denied the request")
            case .pending:
                try await pace(deviceCodeID: sealed.jti, now: now, lifetime: remaining)
                throw OAuthError.authorizationPending("the user has not decided yet")
            case .approved:
                guard try await store.claimOnce("device-used:\(sealed.jti)", lifetime: remaining) else {
                    throw OAuthError.invalidGrant("the device code was already used")
                }
                if let sid = record.sessionID, try await store.isDenied("sid:\(sid)") {
                    throw OAuthError.invalidGrant("the session that approved this device has ended")
                }
                return record
            }
        }
        guard let subject = record.subject, let authTime = record.authTime, let sessionID = record.sessionID,
            let user = issuer.deployment.config.user(subject: subject)
        else { throw .invalidGrant("the user who approved this device no longer exists") }
        return try await issuer.issue(
            .init(
                client: client,
                user: user,
                scopes: record.scopes,
                nonce: nil,
                authTime: authTime,
                sessionID: sessionID,
                amr: record.amr ?? [],
                family: sealed.jti,
                generation: 0
            ),
            now: now
        )
    }

    /// RFC 8628 §3.5: the interval between polls, kept per device code as
    /// `<last poll, ms> <interval, s>`. Too soon answers `slow_down` and adds five seconds,
    /// for this and all later polls. Compare-and-set, so two polls racing each other cannot
    /// both count as on time.
    private func pace(deviceCodeID: String, now: Date, lifetime: Int) async throws {
        let key = "device-poll:\(deviceCodeID)"
        let nowMilliseconds = Int(now.timeIntervalSince1970 * 1_000)
        guard let current = try await store.value(key) else {
            if try await store.insert(key, value: "\(nowMilliseconds) \(DeviceAuthorization.interval)", lifetime: lifetime) {
                return
            }
            throw OAuthError.slowDown("polled again before the interval passed")
        }
        let parts = current.split(separator: " ").compactMap { Int($0) }
        let last = parts.first ?? 0
        let interval = parts.count == 2 ? parts[1] : DeviceAuthorization.interval
        if nowMilliseconds - last < interval * 1_000 {
            _ = try await store.replace(key, expected: current, with: "\(nowMilliseconds) \(interval + 5)")
            throw OAuthError.slowDown("polled sooner than every \(interval) seconds; wait \(interval + 5) seconds between polls")
        }
        guard try await store.replace(key, expected: current, with: "\(nowMilliseconds) \(interval)") else {
            throw OAuthError.slowDown("polled again before the interval passed")
        }
    }
}
