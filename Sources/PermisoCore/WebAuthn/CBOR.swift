/// A CBOR data item (RFC 8949), the subset WebAuthn uses: attestation objects, COSE keys
/// and authenticator extensions (WebAuthn Level 3 §6.5, CTAP2 §8 "CTAP2 canonical CBOR").
///
/// No WebAuthn or CBOR library is in the package mirror, so this decoder is Permiso's own,
/// and deliberately small: integers, byte and text strings, arrays, maps, `false`, `true`
/// and `null`. Tags, floats, other simple values and indefinite lengths are refused, as
/// are duplicate map keys, text that is not UTF-8 and anything past the limits below,
/// since every byte of it comes from a browser.
public enum CBOR: Sendable, Equatable {
    case unsigned(UInt64)
    /// The negative integer `-1 - n`.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    /// In the order sent; keys are unique.
    case map([MapEntry])
    case bool(Bool)
    case null

    public struct MapEntry: Sendable, Equatable {
        public var key: CBOR
        public var value: CBOR

        public init(key: CBOR, value: CBOR) {
            self.key = key
            self.value = value
        }
    }

    /// Why bytes are not an acceptable CBOR item.
    public enum DecodingError: Error, Equatable, Sendable {
        case truncated
        case tooLarge
        case tooDeep
        case unsupported(String)
        case duplicateKey
        case invalidText
        case trailingBytes
    }

    /// What a decoder accepts. The defaults hold a WebAuthn attestation object with a
    /// certificate chain several times over, and nothing a browser has a reason to send beyond.
    public struct Limits: Sendable {
        public var maximumInput = 16 * 1024
        public var maximumDepth = 8
        public var maximumItems = 64

        public init() {}
    }

    /// The one item `bytes` holds, all of it.
    public static func decode(_ bytes: [UInt8], limits: Limits = Limits()) throws(DecodingError) -> CBOR {
        let (item, end) = try decodePrefix(bytes[...], limits: limits)
        guard end == bytes.endIndex else { throw .trailingBytes }
        return item
    }

    /// The item at the start of `bytes` and the index just past it: authenticator data
    /// holds a COSE key followed by more data (WebAuthn §6.5.1).
    public static func decodePrefix(_ bytes: ArraySlice<UInt8>, limits: Limits = Limits()) throws(DecodingError) -> (CBOR, Int) {
        guard bytes.count <= limits.maximumInput else { throw .tooLarge }
        var reader = Reader(bytes: bytes, position: bytes.startIndex, limits: limits)
        let item = try reader.item(depth: 0)
        return (item, reader.position)
    }

    // MARK: Reading values

    /// The value under an integer key, as COSE keys use (RFC 9052 §7).
    public subscript(_ key: Int) -> CBOR? {
        guard case .map(let entries) = self else { return nil }
        let wanted: CBOR = key >= 0 ? .unsigned(UInt64(key)) : .negative(UInt64(-1 - key))
        return entries.first { $0.key == wanted }?.value
    }

    /// The value under a text key, as attestation objects use.
    public subscript(_ key: String) -> CBOR? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == .text(key) }?.value
    }

    public var integer: Int? {
        switch self {
        case .unsigned(let value): value <= UInt64(Int.max) ? Int(value) : nil
        case .negative(let value): value < UInt64(Int.max) ? -1 - Int(value) : nil
        default: nil
        }
    }

    public var byteString: [UInt8]? {
        if case .bytes(let value) = self { value } else { nil }
    }

    public var textString: String? {
        if case .text(let value) = self { value } else { nil }
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int
        let limits: Limits

        mutating func item(depth: Int) throws(DecodingError) -> CBOR {
            guard depth <= limits.maximumDepth else { throw .tooDeep }
            let initial = try byte()
            let major = initial >> 5
            let additional = initial & 0x1f
            if major == 7 {
                switch additional {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                default: throw .unsupported("simple value or float \(additional)")
                }
            }
            let argument = try self.argument(additional)
            switch major {
            case 0: return .unsigned(argument)
            case 1: return .negative(argument)
            case 2: return .bytes(try take(argument))
            case 3:
                guard let text = String(validating: try take(argument), as: UTF8.self) else { throw .invalidText }
                return .text(text)
            case 4:
                let count = try count(argument)
                var items: [CBOR] = []
                for _ in 0..<count { items.append(try item(depth: depth + 1)) }
                return .array(items)
            case 5:
                let count = try count(argument)
                var entries: [MapEntry] = []
                for _ in 0..<count {
                    let key = try item(depth: depth + 1)
                    guard !entries.contains(where: { $0.key == key }) else { throw .duplicateKey }
                    entries.append(MapEntry(key: key, value: try item(depth: depth + 1)))
                }
                return .map(entries)
            default:
                throw .unsupported("tag")
            }
        }

        /// RFC 8949 §3: the argument that follows the initial byte; 31 (indefinite length) is refused.
        mutating func argument(_ additional: UInt8) throws(DecodingError) -> UInt64 {
            switch additional {
            case 0..<24: return UInt64(additional)
            case 24: return try bigEndian(1)
            case 25: return try bigEndian(2)
            case 26: return try bigEndian(4)
            case 27: return try bigEndian(8)
            default: throw .unsupported("indefinite length or reserved value \(additional)")
            }
        }

        mutating func count(_ argument: UInt64) throws(DecodingError) -> Int {
            guard argument <= UInt64(limits.maximumItems) else { throw .tooLarge }
            return Int(argument)
        }

        mutating func byte() throws(DecodingError) -> UInt8 {
            guard position < bytes.endIndex else { throw .truncated }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func bigEndian(_ width: Int) throws(DecodingError) -> UInt64 {
            var value: UInt64 = 0
            for _ in 0..<width { value = value << 8 | UInt64(try byte()) }
            return value
        }

        /// The next `length` bytes; a length beyond the input is refused before anything is allocated.
        mutating func take(_ length: UInt64) throws(DecodingError) -> [UInt8] {
            guard length <= UInt64(bytes.endIndex - position) else { throw .truncated }
            let end = position + Int(length)
            defer { position = end }
            return Array(bytes[position..<end])
        }
    }
}
