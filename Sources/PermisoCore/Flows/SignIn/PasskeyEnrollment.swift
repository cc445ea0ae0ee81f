public import Foundation

/// Adding a passkey (WebAuthn Level 3 §7.1), the identity-as-code way: Permiso verifies the
/// new credential and shows the config entry for it; the credential works once a config
/// listing it is deployed, reviewed like any other change. Nothing is stored but the used
/// challenge.
public struct PasskeyEnrollment: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// How recent a sign-in the account page asks for before it offers to add a passkey.
    public static let recentSignIn: TimeInterval = 10 * 60

    /// Whether `session` may add a passkey for `user`: signed in within `recentSignIn`, and
    /// with the second factor if the user has one, so a stolen password alone cannot make
    /// a credential for review.
    public static func admits(_ session: LoginSession, user: UserConfig, now: Date) -> Bool {
        guard now.timeIntervalSince1970 - TimeInterval(session.authTime) <= recentSignIn else { return false }
        return !user.hasSecondFactor || AuthenticationLevel(amr: session.amr) >= .multiFactor
    }

    /// The algorithms offered in `pubKeyCredParams`, most preferred first (§5.4).
    public static let algorithms = PasskeyPublicKey.Algorithm.allCases.map(\.coseIdentifier)

    /// At most this many characters of the name the person gives a passkey.
    public static let maximumName = 64

    /// The new passkey's config entry, or why the credential is refused.
    public func verify(
        clientDataJSON: [UInt8],
        attestationObject: [UInt8],
        transports: String,
        name: String,
        challenge: [UInt8],
        formExpires: Date,
        now: Date
    ) async throws(OAuthError) -> Result<PasskeyConfig, PasskeySignIn.Refusal> {
        let registration: WebAuthnRelyingParty.Registration
        do {
            registration = try context.config.relyingParty.verifyRegistration(
                clientDataJSON: clientDataJSON,
                attestationObject: attestationObject,
                challenge: challenge,
                requireUserVerification: false
            )
        } catch {
            return .failure(.rejected(error.reason))
        }
        if context.config.passkey(id: registration.credentialID) != nil {
            return .failure(.rejected("the credential is already in the config"))
        }
        let first = try await withStateStore {
            try await context.state.passkeys.claimChallenge(challenge, until: formExpires, now: now)
        }
        guard first else { return .failure(.rejected("the challenge was already used")) }
        return .success(
            PasskeyConfig(
                id: registration.credentialID,
                publicKey: registration.publicKey,
                name: Self.cleanName(name),
                transports: Self.cleanTransports(transports),
                created: Self.day(now)
            )
        )
    }

    /// The name as the config will hold it: printable, one line, `maximumName` characters;
    /// "Passkey" when nothing is left.
    static func cleanName(_ name: String) -> String {
        let printable = name.unicodeScalars.filter { !$0.properties.generalCategory.isInvisibleOrControl }
        let text = String(String.UnicodeScalarView(printable)).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "Passkey" : String(text.prefix(maximumName))
    }

    static func cleanTransports(_ text: String) -> [String] {
        var seen: [String] = []
        for transport in text.split(separator: " ").map(String.init) where PasskeyConfig.knownTransports.contains(transport) {
            if !seen.contains(transport) { seen.append(transport) }
        }
        return seen
    }

    static func day(_ date: Date) -> String { Timestamp.day(date) }

    /// The lines to add under the user in the config: JSON strings and flow mappings, which
    /// are YAML too, so a name can hold any character without breaking the file. With
    /// `signedInWith`, a first comment line tells the reviewer how the session that made it
    /// signed in: for a user with no second factor yet, that was a password alone, and the
    /// review is what stands between a stolen password and a passkey.
    public static func configEntry(_ passkey: PasskeyConfig, signedInWith amr: [String]? = nil) -> String {
        func quoted(_ text: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .withoutEscapingSlashes
            return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        var lines: [String] = []
        if let amr { lines.append("# verified by Permiso for a session signed in with \(amr.joined(separator: ", "))") }
        lines += [
            "- name: \(quoted(passkey.name))",
            "  id: \(Data(passkey.id).base64URLEncodedString)",
            "  publicKey: \(passkey.publicKey.jwkJSON)",
        ]
        if !passkey.transports.isEmpty { lines.append("  transports: [\(passkey.transports.joined(separator: ", "))]") }
        if let created = passkey.created { lines.append("  created: \(created)") }
        return lines.joined(separator: "\n")
    }
}

extension Unicode.GeneralCategory {
    /// Control, format, separators other than the space, unassigned and private-use code points.
    var isInvisibleOrControl: Bool {
        switch self {
        case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .privateUse, .surrogate: true
        default: false
        }
    }
}
