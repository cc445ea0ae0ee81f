import Foundation

/// The one piece of a device grant that must be shared: the user approves on one device,
/// the other polls, maybe at another instance. `DeviceGrants` stores it, as JSON, and
/// changes it only by compare-and-set.
public struct DeviceGrantRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case pending
        case approved
        case denied
    }

    public var status: Status
    public var clientID: String
    public var scopes: [String]
    /// The `jti` of the device code this record belongs to.
    public var deviceCodeID: String
    /// Who approved, and the session they approved from; set with `approved`.
    public var subject: String?
    public var authTime: Int?
    public var sessionID: String?
    public var amr: [String]?

    public init(clientID: String, scopes: [String], deviceCodeID: String) {
        self.status = .pending
        self.clientID = clientID
        self.scopes = scopes
        self.deviceCodeID = deviceCodeID
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Strings, arrays and integers only: encoding cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func decode(_ text: String) -> DeviceGrantRecord? {
        try? JSONDecoder().decode(DeviceGrantRecord.self, from: Data(text.utf8))
    }
}
