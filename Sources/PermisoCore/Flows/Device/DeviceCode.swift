public import Foundation

/// What the sealed `device_code` carries (purpose `device`): the device keeps it and polls
/// with it. The envelope's `jti` ties it to its record in the state store, so a second
/// device authorization for the same user code cannot redeem this one's approval.
public struct DeviceCode: Codable, Sendable, Equatable {
    public var clientID: String
    public var scopes: [String]
    public var userCode: String
    /// When it was issued, for `permiso revoke --client`.
    public var issuedAt: Int? = nil

    enum CodingKeys: String, CodingKey {
        case clientID = "c"
        case scopes = "s"
        case userCode = "u"
        case issuedAt = "i"
    }

    public init(clientID: String, scopes: [String], userCode: String, issuedAt: Date? = nil) {
        self.clientID = clientID
        self.scopes = scopes
        self.userCode = userCode
        self.issuedAt = issuedAt.map { Int($0.timeIntervalSince1970) }
    }
}
