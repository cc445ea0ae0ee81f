public import Foundation

/// The device authorization endpoint's work (RFC 8628 §3.1–3.2): a sealed device code for
/// the device, a short user code for the person, and the pending record that joins them.
public struct DeviceAuthorization: Sendable {
    /// RFC 8628 §3.2: clients wait this long between polls unless told to slow down.
    public static let interval = 5

    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// - Parameter address: the requesting client's address, which the start is counted by.
    public func start(
        client: ClientConfig,
        parameters: FormParameters,
        address: String,
        now: Date
    ) async throws(OAuthError) -> DeviceAuthorizationResponse {
        guard client.grantTypes.contains(.deviceCode) else {
            throw .unauthorizedClient("this client may not use the device authorization grant")
        }
        // Said rather than ignored: a device that asks for an API must not get an issuer's token.
        guard parameters["resource"] == nil else {
            throw .invalidTarget("the device grant takes no resource; its access tokens are for the issuer")
        }
        let admitted = try await withStateStore {
            try await context.state.deviceStarts.admit(clientID: client.id, address: address)
        }
        guard admitted else {
            throw ThrottleRefusal.deviceAuthorization.error
        }
        // RFC 8628 §3.1: scope is optional; without one the client gets what it may ask for.
        let scopes =
            parameters["scope"] == nil
            ? client.scopes : try ScopeRequest.parse(parameters["scope"], client: client, config: context.config)
        let lifetime = context.config.lifetimes.deviceCode
        let expiresAt = now.addingTimeInterval(TimeInterval(lifetime))
        for _ in 0..<5 {
            let userCode = UserCode.generate()
            let deviceCode = try seal(DeviceCode(clientID: client.id, scopes: scopes, userCode: userCode, issuedAt: now), expiresAt: expiresAt)
            let record = DeviceGrantRecord(clientID: client.id, scopes: scopes, deviceCodeID: deviceCode.jti)
            let stored = try await withStateStore {
                try await context.state.deviceGrants.create(record, userCode: userCode, lifetime: lifetime)
            }
            // A collision in 2.6 × 10¹⁰ codes: draw again rather than share a record.
            guard stored else { continue }
            let verification = context.config.serviceURL.absoluteString + Endpoint.deviceVerification
            let shown = UserCode.display(userCode)
            return DeviceAuthorizationResponse(
                deviceCode: deviceCode.value,
                userCode: shown,
                verificationURI: verification,
                verificationURIComplete: verification + "?user_code=" + shown,
                expiresIn: lifetime,
                interval: Self.interval
            )
        }
        throw .temporarilyUnavailable("no free user code was found; try again")
    }

    private func seal(_ code: DeviceCode, expiresAt: Date) throws(OAuthError) -> (value: String, jti: String) {
        let jti = RandomToken.make()
        do {
            return (try context.issuer.sealer.seal(code, purpose: .device, expiresAt: expiresAt, jti: jti), jti)
        } catch {
            throw .serverError("the device code could not be sealed")
        }
    }
}

/// RFC 8628 §3.2's response.
public struct DeviceAuthorizationResponse: Codable, Sendable, Equatable {
    public var deviceCode: String
    public var userCode: String
    public var verificationURI: String
    public var verificationURIComplete: String
    public var expiresIn: Int
    public var interval: Int

    enum CodingKeys: String, CodingKey {
        case deviceCode = "device_code"
        case userCode = "user_code"
        case verificationURI = "verification_uri"
        case verificationURIComplete = "verification_uri_complete"
        case expiresIn = "expires_in"
        case interval
    }
}
