internal import COpenSSL
internal import Foundation

/// RSA signatures (RS256, PS256) through OpenSSL's libcrypto.
///
/// RS256 is the default ID token algorithm, so RSA signing is the slowest step of most
/// logins; OpenSSL 3 signs RSA-2048 about 2.3× faster than swift-crypto on this project's
/// machines (docs/ARCHITECTURE.md "RSA through libcrypto"). This file owns every `EVP_*` call and frees what it allocates;
/// verification stays with swift-crypto through jwt-kit.
final class OpenSSLRSASigner: @unchecked Sendable {
    enum Padding: Sendable {
        /// RSASSA-PKCS1-v1_5 (RS256).
        case pkcs1
        /// RSASSA-PSS with MGF1-SHA256 and a 32-byte salt (PS256, RFC 7518 §3.5).
        case pss
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// An `EVP_PKEY *`, immutable after init: OpenSSL allows concurrent signing with one key
    /// as long as each signature has its own `EVP_MD_CTX`.
    private let key: OpaquePointer
    let padding: Padding

    init(pkcs8PEM pem: String, padding: Padding) throws {
        let bytes = Array(pem.utf8)
        let key: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw Failure(description: "OpenSSL cannot read the RSA key") }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            EVP_PKEY_free(key)
            throw Failure(description: "not an RSA key")
        }
        self.key = key
        self.padding = padding
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Signs SHA-256 of `message`.
    func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw Failure(description: "out of memory") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit(context, &keyContext, EVP_sha256(), nil, key) == 1 else {
            throw Failure(description: "EVP_DigestSignInit failed")
        }
        if padding == .pss {
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST) == 1
            else { throw Failure(description: "cannot set PSS padding") }
        }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw Failure(description: "EVP_DigestSign failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw Failure(description: "EVP_DigestSign failed")
        }
        return Array(signature.prefix(length))
    }
}
