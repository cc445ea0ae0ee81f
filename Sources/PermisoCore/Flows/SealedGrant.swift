import Foundation

/// A sealed value a client redeems at the token endpoint: an authorization code, a refresh
/// token or a device code, each naming the client it was issued to.
public protocol IssuedToClient: Codable, Sendable {
    var clientID: String { get }
}

/// How one grant names its sealed value in requests and errors.
public struct SealedGrant<Payload: IssuedToClient>: Sendable {
    var grant: GrantType
    /// The grant as error messages name it.
    var grantName: String
    /// The form parameter that carries the value (RFC 6749 §4.1.3, §6; RFC 8628 §3.4).
    var parameter: String
    var purpose: SealPurpose
    /// The value as error messages name it: "the code".
    var noun: String
    /// What an expired value answers; `nil` when it answers like any invalid one.
    var expired: OAuthError?

    static var code: SealedGrant<AuthorizationCode> {
        .init(grant: .authorizationCode, grantName: "authorization_code", parameter: "code", purpose: .code, noun: "the code")
    }

    static var refreshToken: SealedGrant<RefreshToken> {
        .init(
            grant: .refreshToken,
            grantName: "refresh_token",
            parameter: "refresh_token",
            purpose: .refresh,
            noun: "the refresh token"
        )
    }

    /// RFC 8628 §3.5: an expired device code answers `expired_token`, so the device starts again.
    static var deviceCode: SealedGrant<DeviceCode> {
        .init(
            grant: .deviceCode,
            grantName: "device authorization",
            parameter: "device_code",
            purpose: .device,
            noun: "the device code",
            expired: .expiredToken("the device code has expired; start again")
        )
    }

    /// The opening every such grant shares, in this order: the client may use the grant
    /// (RFC 6749 §5.2 `unauthorized_client`), the value is present, opens as this grant's
    /// purpose, is unexpired, and was issued to this client (RFC 6749 §4.1.3, §6).
    func open(
        for client: ClientConfig,
        _ parameters: FormParameters,
        sealer: Sealer,
        now: Date
    ) throws(OAuthError) -> Sealed<Payload> {
        guard client.grantTypes.contains(grant) else {
            throw .unauthorizedClient("this client may not use the \(grantName) grant")
        }
        guard let text = parameters[parameter] else { throw .invalidRequest("\(parameter) is required") }
        let sealed: Sealed<Payload>
        do {
            sealed = try sealer.open(text, as: Payload.self, purpose: purpose, now: now)
        } catch .expired where expired != nil {
            throw expired!
        } catch {
            throw .invalidGrant(expired == nil ? "\(noun) is invalid or has expired" : "\(noun) is not valid")
        }
        guard sealed.payload.clientID == client.id else { throw .invalidGrant("\(noun) was issued to another client") }
        return sealed
    }
}

extension Deployment {
    /// The user a grant speaks for, who may have been removed from the config since.
    func user(of subject: String, missing message: String) throws(OAuthError) -> UserConfig {
        guard let user = config.user(subject: subject) else { throw .invalidGrant(message) }
        return user
    }
}
