import PermisoTesting
import Testing

@testable import PermisoCore

@Suite("Password hashes")
struct PasswordHashTests {
    @Test("A hash verifies its password and no other", arguments: PasswordHash.Scheme.allCases)
    func roundTrip(_ scheme: PasswordHash.Scheme) throws {
        let hash = try PasswordHash.make("correct horse", scheme: scheme, cost: scheme == .bcrypt ? 4 : nil)
        #expect(PasswordHash.isAcceptedFormat(hash))
        #expect(PasswordHash.verify("correct horse", against: hash))
        #expect(!PasswordHash.verify("correct horsE", against: hash))
        #expect(!PasswordHash.verify("", against: hash))
        // A fresh salt each time.
        #expect(try PasswordHash.make("correct horse", scheme: scheme, cost: scheme == .bcrypt ? 4 : nil) != hash)
    }

    @Test("A sha512-crypt hash made by OpenSSL verifies (known answer from another implementation)")
    func openSSLKnownAnswer() {
        // openssl passwd -6 -salt saltsalt password
        let hash = "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/"
        #expect(PasswordHash.verify("password", against: hash))
        #expect(!PasswordHash.verify("Password", against: hash))
    }

    @Test("Plain text, truncated hashes and unknown schemes are refused")
    func refusesNonHashes() {
        for text in [
            "hunter2", "$1$saltsalt$abc", "$2b$04$short", "$2b$99$rLL32TotevtNT5Ipbs4xNulrGmaF6yenuu1BqmiqD0jM12Epgyib.",
            String(Fixture.secretHash.dropLast()), "$y$j9T$salt$", "*",
        ] {
            #expect(!PasswordHash.isAcceptedFormat(text), "\(text)")
            #expect(!PasswordHash.verify("hunter2", against: text))
        }
    }
}
