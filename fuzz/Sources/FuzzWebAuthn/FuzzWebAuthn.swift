import Crypto
import Foundation
import FuzzSupport
import PermisoCore

/// The WebAuthn parsers, Permiso's own (no library in the package mirror): CBOR, authenticator
/// data, COSE keys, client data, and the registration and assertion checks over them. The
/// first byte picks one; the rest is its input. Beyond not crashing: a decoded item used all
/// its bytes, a parsed key survives the trip through its JWK, and an assertion whose
/// signature is not the key's never verifies, and client data reads as Foundation's JSON reads it.
@main
enum FuzzWebAuthn {
    static func main() { runFuzzer(test) }
}

let rp = WebAuthnRelyingParty(id: "localhost", origin: "http://localhost:8080")
let challenge = [UInt8](repeating: 7, count: 32)
let clientData = Array(
    "{\"type\":\"webauthn.create\",\"challenge\":\"\(Data(challenge).base64URLEncodedString)\",\"origin\":\"http://localhost:8080\"}".utf8
)
/// A P-256 key whose private half is discarded at start: no input can be its signature.
let key = try! PasskeyPublicKey(
    jwk: {
        let point = Array(P256.Signing.PrivateKey().publicKey.x963Representation)
        return ["kty": "EC", "crv": "P-256", "x": Data(point[1..<33]).base64URLEncodedString, "y": Data(point[33...]).base64URLEncodedString]
    }()
)

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let mode = input.choice(6)
    let bytes = input.rest()
    switch mode {
    case 0:
        if let (_, end) = try? CBOR.decodePrefix(bytes[...]) {
            fuzzAssert(end <= bytes.count, "read past the end")
            fuzzAssert((try? CBOR.decode(bytes)) != nil || end < bytes.count, "a whole item decodes as one")
        }
    case 1:
        if let parsed = try? AuthenticatorData(bytes) {
            fuzzAssert(parsed.rpIDHash.count == 32, "RP ID hash of \(parsed.rpIDHash.count) bytes")
            if let credential = parsed.attestedCredential {
                fuzzAssert(parsed.flags & AuthenticatorData.attestedCredentialIncluded != 0, "a credential without the AT flag")
                fuzzAssert(credential.credentialID.count <= AuthenticatorData.maximumCredentialID, "credential id too long")
            }
        }
    case 2:
        if let registration = try? rp.verifyRegistration(
            clientDataJSON: clientData,
            attestationObject: bytes,
            challenge: challenge,
            requireUserVerification: false
        ) {
            fuzzAssert(!registration.credentialID.isEmpty, "an empty credential id was accepted")
        }
    case 3:
        if let item = try? CBOR.decode(bytes), let parsed = try? PasskeyPublicKey(cose: item) {
            let again = try? PasskeyPublicKey(jwk: Dictionary(uniqueKeysWithValues: parsed.jwk.map { ($0.name, $0.value) }))
            fuzzAssert(again == parsed, "the key did not survive its JWK")
        }
    case 4:
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % bytes.count
        let verified = try? rp.verifyAssertion(
            publicKey: key,
            clientDataJSON: Array(bytes[split...]),
            authenticatorData: Array(bytes[..<split]),
            signature: Array(bytes.suffix(72)),
            challenge: challenge,
            requireUserVerification: false
        )
        fuzzAssert(verified == nil, "an assertion verified against a key nobody can sign with")
    default:
        // What the client data parser accepts, Foundation's JSON reads alike: an object with those strings.
        if let parsed = CollectedClientData(json: bytes) {
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
            fuzzAssert(object?["type"] as? String == parsed.type, "type read differently")
            fuzzAssert(object?["origin"] as? String == parsed.origin, "origin read differently")
        }
    }
    return 0
}
