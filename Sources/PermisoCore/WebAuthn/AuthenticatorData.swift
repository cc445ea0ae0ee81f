/// The authenticator data of a WebAuthn response (WebAuthn Level 3 §6.1): what the
/// authenticator itself signed — for which relying party, whether the person was present
/// and verified, its signature counter, and, when a credential is created, its id and key.
public struct AuthenticatorData: Sendable, Equatable {
    /// SHA-256 of the RP ID the credential is scoped to.
    public var rpIDHash: [UInt8]
    public var flags: UInt8
    public var signCount: UInt32
    /// Present when the AT flag is set: at registration (§6.5.1).
    public var attestedCredential: AttestedCredential?

    public struct AttestedCredential: Sendable, Equatable {
        public var aaguid: [UInt8]
        public var credentialID: [UInt8]
        /// The credential public key, a COSE_Key (RFC 9052 §7) still in CBOR.
        public var publicKey: CBOR
    }

    /// §6.1 flags.
    public static let userPresent: UInt8 = 0x01
    public static let userVerified: UInt8 = 0x04
    public static let attestedCredentialIncluded: UInt8 = 0x40
    public static let extensionsIncluded: UInt8 = 0x80

    /// §5.8.3: credential ids are at most 1023 bytes.
    public static let maximumCredentialID = 1023

    public var isUserPresent: Bool { flags & Self.userPresent != 0 }
    public var isUserVerified: Bool { flags & Self.userVerified != 0 }

    public enum ParseError: Error, Equatable, Sendable {
        case truncated
        case credentialIDTooLong
        case malformedKey(CBOR.DecodingError)
        case malformedExtensions(CBOR.DecodingError)
        case trailingBytes
        case missingCredential
    }

    /// Parses all of `bytes`: 32 bytes of RP ID hash, the flags, the counter, then the
    /// attested credential and the extensions the flags announce, and nothing else.
    public init(_ bytes: [UInt8]) throws(ParseError) {
        guard bytes.count >= 37 else { throw .truncated }
        rpIDHash = Array(bytes[0..<32])
        flags = bytes[32]
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        var position = 37
        if flags & Self.attestedCredentialIncluded != 0 {
            guard bytes.count >= position + 18 else { throw .truncated }
            let aaguid = Array(bytes[position..<position + 16])
            let length = Int(bytes[position + 16]) << 8 | Int(bytes[position + 17])
            position += 18
            guard length <= Self.maximumCredentialID else { throw .credentialIDTooLong }
            guard bytes.count >= position + length else { throw .truncated }
            let credentialID = Array(bytes[position..<position + length])
            position += length
            let key: CBOR
            do {
                (key, position) = try CBOR.decodePrefix(bytes[position...])
            } catch {
                throw .malformedKey(error)
            }
            attestedCredential = AttestedCredential(aaguid: aaguid, credentialID: credentialID, publicKey: key)
        }
        if flags & Self.extensionsIncluded != 0 {
            let extensions: CBOR
            do {
                (extensions, position) = try CBOR.decodePrefix(bytes[position...])
            } catch {
                throw .malformedExtensions(error)
            }
            guard case .map = extensions else { throw .malformedExtensions(.unsupported("extensions that are not a map")) }
        }
        guard position == bytes.count else { throw .trailingBytes }
    }
}
