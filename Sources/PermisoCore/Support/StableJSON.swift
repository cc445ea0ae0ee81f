public import Foundation

/// The one JSON encoding of every published artifact.
///
/// `permiso build` must be byte-for-byte reproducible, so keys are sorted, slashes are not
/// escaped (URLs stay readable) and every file ends in one newline.
public enum StableJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// The compact form of tokens and protocol responses: sorted keys, slashes unescaped,
    /// dates as NumericDate seconds (RFC 7519 §2). Made once; encoding is safe from many
    /// threads at once.
    public static let compactEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()
}
