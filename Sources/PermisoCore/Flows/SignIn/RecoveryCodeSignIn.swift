internal import Crypto
internal import Foundation

/// One-time recovery codes: what a person types after the password when their authenticator
/// app or passkey is lost. The config lists only their hashes (`permiso recovery-codes
/// generate` prints the codes once); each works once, on any instance (`RecoveryCodeUses`).
///
/// A code is 16 base32 symbols, 80 random bits, so one SHA-256 is hash enough: no one tries
/// 2⁸⁰ guesses, and the throttle below allows a hundred a day. Wrong codes count in the
/// sign-in throttle exactly as wrong TOTP codes do.
public struct RecoveryCodeSignIn: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// How many `generate` makes: enough for years of lost phones, few enough to keep on paper.
    public static let count = 10

    /// A recovery code stands for a one-time password (RFC 8176 §2 `otp`) after the password.
    public static let methods = TOTPSignIn.methods

    /// A fresh code as people read it, `ABCD-EFGH-JKLM-NPQR`: 80 bits from the system's generator.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let symbols = Base32.encode((0..<10).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return stride(from: 0, to: 16, by: 4).map { offset in
            String(symbols.dropFirst(offset).prefix(4))
        }.joined(separator: "-")
    }

    /// The code as typed, canonical: upper case, without spaces or dashes; `nil` unless 16 base32 symbols.
    public static func normalize(_ typed: String) -> String? {
        let canonical = typed.uppercased().filter { $0 != " " && $0 != "-" }
        guard canonical.count == 16, Base32.decode(canonical)?.count == 10 else { return nil }
        return canonical
    }

    /// What the config lists for a code: `sha256:` and the base64url SHA-256 of its canonical form.
    public static func hash(_ canonical: String) -> String {
        "sha256:" + Data(SHA256.hash(data: Data(canonical.utf8))).base64URLEncodedString
    }

    /// Which of `user`'s recovery codes `code` is (its position in the config), if it is used
    /// now for the first time. Throws `temporarily_unavailable` only when the store cannot be consulted.
    public func verify(user: UserConfig, code: String, address: String) async throws(OAuthError) -> Result<Int, PasswordSignIn.Refusal> {
        let reservation = try await withStateStore {
            try await context.state.signIns.reserveSecondFactor(username: user.username, subject: user.subject, address: address)
        }
        guard let reservation else { return .failure(.throttled) }
        guard let canonical = Self.normalize(code) else { return .failure(.incorrectRecoveryCode) }
        let hash = Self.hash(canonical)
        // Every listed hash is compared, in constant time, so timing tells nothing of which matched.
        var position: Int?
        for (index, candidate) in user.recoveryCodes.enumerated() where ConstantTime.equals(Array(candidate.utf8), Array(hash.utf8)) {
            position = index
        }
        guard let position else { return .failure(.incorrectRecoveryCode) }
        let first = try await withStateStore { try await context.state.recoveryCodes.claim(subject: user.subject, hash: hash) }
        guard first else { return .failure(.incorrectRecoveryCode) }
        try? await reservation.giveBack()
        return .success(position)
    }
}
