internal import Foundation

/// The client data a browser hashes into every WebAuthn response (WebAuthn Level 3
/// §5.8.1): what kind of ceremony, for which challenge, from which origin. The
/// authenticator signs its hash, so these fields are what ties a signature to this sign-in.
public struct CollectedClientData: Decodable, Sendable, Equatable {
    public var type: String
    /// The challenge, base64url, as the browser received it.
    public var challenge: String
    public var origin: String
    public var crossOrigin: Bool?
    public var topOrigin: String?

    public static let create = "webauthn.create"
    public static let get = "webauthn.get"

    /// The JSON as sent; `nil` when it is not a JSON object with these members, names a
    /// member twice, or is not JSON throughout. Two members of one name: parsers disagree on
    /// which `origin` counts (RFC 8259 §4 leaves it open), and a browser never sends two.
    /// Not JSON throughout: `JSONDecoder` reads only the members it decodes, so it takes a
    /// document whose other members hold raw control characters, invalid UTF-8 or `01`
    /// (RFC 8259 §6, §7, §8.1); `JSONSerialization` checks every member first, so every
    /// parser that reads these bytes reads the same document.
    public init?(json: [UInt8]) {
        let data = Data(json)
        guard let keys = Self.topLevelKeys(json), Set(keys).count == keys.count,
            (try? JSONSerialization.jsonObject(with: data)) is [String: Any],
            let decoded = try? JSONDecoder().decode(Self.self, from: data)
        else { return nil }
        self = decoded
    }

    /// The member names of the JSON object `json`, escapes decoded, in order; `nil` when it
    /// does not scan as an object. Only the outer object's names: nested values are skipped.
    static func topLevelKeys(_ json: [UInt8]) -> [String]? {
        var keys: [String] = []
        var depth = 0
        var index = 0
        var expectingKey = false
        while index < json.count {
            let byte = json[index]
            switch byte {
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < json.count, json[index] != UInt8(ascii: "\"") {
                    index += json[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard index < json.count else { return nil }
                if depth == 1 && expectingKey {
                    guard let key = try? JSONDecoder().decode(String.self, from: Data(json[start...index])) else { return nil }
                    keys.append(key)
                    expectingKey = false
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth == 1 {
                    guard byte == UInt8(ascii: "{") else { return nil }
                    expectingKey = true
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                guard depth >= 0 else { return nil }
            case UInt8(ascii: ","):
                if depth == 1 { expectingKey = true }
            default:
                break
            }
            index += 1
        }
        return depth == 0 ? keys : nil
    }
}
