import Crypto
import CryptoExtras
import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("RSA signing through OpenSSL")
struct OpenSSLRSASignerTests {
    let message = Array("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9".utf8)

    @Test("PKCS#1 v1.5 signatures are byte-identical to swift-crypto's (the scheme is deterministic)")
    func pkcs1MatchesSwiftCrypto() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let openSSL = try OpenSSLRSASigner(pkcs8PEM: key.pkcs8PEMRepresentation, padding: .pkcs1)
        let expected = try key.signature(for: Data(message), padding: .insecurePKCS1v1_5).rawRepresentation
        #expect(Data(try openSSL.sign(message)) == expected)
    }

    @Test("PSS signatures verify with swift-crypto, and not for another message")
    func pssVerifies() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let signer = try OpenSSLRSASigner(pkcs8PEM: key.pkcs8PEMRepresentation, padding: .pss)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try signer.sign(message))
        #expect(key.publicKey.isValidSignature(signature, for: Data(message), padding: .PSS))
        #expect(!key.publicKey.isValidSignature(signature, for: Data(message + [0]), padding: .PSS))
        // PSS is randomised: two signatures of one message differ.
        #expect(try signer.sign(message) != signer.sign(message))
    }

    @Test("Keys OpenSSL cannot use are refused at load")
    func refusesOtherKeys() throws {
        #expect(throws: OpenSSLRSASigner.Failure.self) {
            try OpenSSLRSASigner(pkcs8PEM: P256.Signing.PrivateKey().pemRepresentation, padding: .pkcs1)
        }
        #expect(throws: OpenSSLRSASigner.Failure.self) { try OpenSSLRSASigner(pkcs8PEM: "not a key", padding: .pkcs1) }
    }

    @Test("Signing from many tasks at once with one key stays correct")
    func concurrent() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let signer = try OpenSSLRSASigner(pkcs8PEM: key.pkcs8PEMRepresentation, padding: .pkcs1)
        let expected = try signer.sign(message)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 { group.addTask { try signer.sign(message) == expected } }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(results)
    }
}
