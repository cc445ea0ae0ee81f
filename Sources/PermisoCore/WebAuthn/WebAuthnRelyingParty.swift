internal import Crypto
public import Foundation

/// Permiso as a WebAuthn relying party (WebAuthn Level 3 §7): the checks of a registration
/// and of an authentication, with no state of their own. Which challenge was issued, whether
/// it was used, and the signature counter are the caller's (`PasskeySignIn`,
/// `PasskeyEnrollment`), so these checks stay pure and testable with recorded responses.
public struct WebAuthnRelyingParty: Sendable, Equatable {
    /// The RP ID (§4): the host of the pages, which every credential is scoped to.
    public var id: String
    /// The one origin (§5.8.1 `origin`) the ceremonies may come from: where the pages are served.
    public var origin: String

    public init(id: String, origin: String) {
        self.id = id
        self.origin = origin
    }

    /// The pages are served from the service URL, so its host is the RP ID and its origin the
    /// only one accepted; with no separate service URL that is the issuer's.
    public init(serving url: URL) {
        let scheme = url.scheme?.lowercased() ?? "https"
        let host = url.host?.lowercased() ?? ""
        let defaultPort = scheme == "https" ? 443 : 80
        let port = url.port.flatMap { $0 == defaultPort ? nil : ":\($0)" } ?? ""
        self.init(id: host, origin: "\(scheme)://\(host)\(port)")
    }

    /// The WebAuthn user handle (§5.4.3) for a subject: fixed-size, derived, and telling
    /// nothing about the person, as §14.6.1 asks. Stateless, so any instance derives the same.
    public static func userHandle(subject: String) -> [UInt8] {
        Array(SHA256.hash(data: Data("permiso webauthn user handle\u{0}\(subject)".utf8)))
    }

    /// Why a ceremony's response is refused. The person sees one message for all of them
    /// (`PasskeySignIn.Refusal`); the log says which.
    public enum Failure: Error, Equatable, Sendable {
        case malformed(String)
        case wrongType
        case wrongChallenge
        case wrongOrigin
        case wrongRelyingParty
        case userNotPresent
        case userNotVerified
        case unsupportedAlgorithm
        case badSignature

        public var reason: String {
            switch self {
            case .malformed(let what): "malformed response: \(what)"
            case .wrongType: "client data of the wrong ceremony type"
            case .wrongChallenge: "the challenge is not the one issued"
            case .wrongOrigin: "the origin is not this service's"
            case .wrongRelyingParty: "the credential is scoped to another RP ID"
            case .userNotPresent: "the authenticator did not test user presence"
            case .userNotVerified: "the authenticator did not verify the user"
            case .unsupportedAlgorithm: "the credential's algorithm is not ES256, EdDSA or RS256"
            case .badSignature: "the signature does not verify"
            }
        }
    }

    /// A verified new credential (§7.1): what the config entry is made from.
    public struct Registration: Sendable, Equatable {
        public var credentialID: [UInt8]
        public var publicKey: PasskeyPublicKey
        public var userVerified: Bool
        public var signCount: UInt32
        /// The attestation statement's format; statements are not verified (docs/SECURITY.md
        /// "Passkeys"): whether a key is trusted is decided by whoever reviews the config entry.
        public var attestationFormat: String
    }

    /// §7.1 "Registering a New Credential", steps 5–22 (the attestation statement aside).
    public func verifyRegistration(
        clientDataJSON: [UInt8],
        attestationObject: [UInt8],
        challenge: [UInt8],
        requireUserVerification: Bool
    ) throws(Failure) -> Registration {
        try checkClientData(clientDataJSON, type: CollectedClientData.create, challenge: challenge)
        let object: CBOR
        do {
            object = try CBOR.decode(attestationObject)
        } catch {
            throw .malformed("attestation object: \(error)")
        }
        guard let format = object["fmt"]?.textString, case .map? = object["attStmt"], let authData = object["authData"]?.byteString
        else { throw .malformed("attestation object without fmt, attStmt and authData") }
        let data = try authenticatorData(authData)
        try checkFlags(data, requireUserVerification: requireUserVerification)
        guard let credential = data.attestedCredential else { throw .malformed("no attested credential data") }
        guard !credential.credentialID.isEmpty else { throw .malformed("an empty credential id") }
        let key: PasskeyPublicKey
        do {
            key = try PasskeyPublicKey(cose: credential.publicKey)
        } catch .unsupportedAlgorithm {
            throw .unsupportedAlgorithm
        } catch {
            throw .malformed("credential public key: \(error)")
        }
        return Registration(
            credentialID: credential.credentialID,
            publicKey: key,
            userVerified: data.isUserVerified,
            signCount: data.signCount,
            attestationFormat: format
        )
    }

    /// §7.2 "Verifying an Authentication Assertion", steps 10–21: which credential it is, and
    /// whether its user handle fits, are the caller's (steps 5–9).
    public func verifyAssertion(
        publicKey: PasskeyPublicKey,
        clientDataJSON: [UInt8],
        authenticatorData authData: [UInt8],
        signature: [UInt8],
        challenge: [UInt8],
        requireUserVerification: Bool
    ) throws(Failure) -> AuthenticatorData {
        try checkClientData(clientDataJSON, type: CollectedClientData.get, challenge: challenge)
        let data = try authenticatorData(authData)
        try checkFlags(data, requireUserVerification: requireUserVerification)
        let signed = authData + Array(SHA256.hash(data: clientDataJSON))
        guard publicKey.isValidSignature(signature, for: signed) else { throw .badSignature }
        return data
    }

    /// §7.1 steps 7–12 and §7.2 steps 10–14: the right ceremony, challenge and origin, and not
    /// from a frame of another site.
    private func checkClientData(_ json: [UInt8], type: String, challenge: [UInt8]) throws(Failure) {
        guard let client = CollectedClientData(json: json) else { throw .malformed("client data is not the JSON WebAuthn defines") }
        guard client.type == type else { throw .wrongType }
        guard let sent = Data(base64URLEncoded: client.challenge), ConstantTime.equals(Array(sent), challenge) else {
            throw .wrongChallenge
        }
        guard client.origin == origin, client.crossOrigin != true, client.topOrigin == nil || client.topOrigin == origin else {
            throw .wrongOrigin
        }
    }

    private func authenticatorData(_ bytes: [UInt8]) throws(Failure) -> AuthenticatorData {
        let data: AuthenticatorData
        do {
            data = try AuthenticatorData(bytes)
        } catch {
            throw .malformed("authenticator data: \(error)")
        }
        guard ConstantTime.equals(data.rpIDHash, Array(SHA256.hash(data: Data(id.utf8)))) else { throw .wrongRelyingParty }
        return data
    }

    private func checkFlags(_ data: AuthenticatorData, requireUserVerification: Bool) throws(Failure) {
        guard data.isUserPresent else { throw .userNotPresent }
        guard data.isUserVerified || !requireUserVerification else { throw .userNotVerified }
    }
}
