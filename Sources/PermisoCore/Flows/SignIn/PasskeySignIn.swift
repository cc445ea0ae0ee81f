public import Foundation

/// Sign-in with a passkey (WebAuthn Level 3 §7.2): without a username, from a discoverable
/// credential with user verification, or as the second factor after a password, where the
/// person's presence is enough.
///
/// Which credentials count is the config's: one it no longer lists stops working at the
/// next reload. The challenge came sealed in the form (`PasskeyTransaction`) and is claimed
/// here, after the signature verified, so it works once on any instance; the signature
/// counter is kept per credential in the state store (`PasskeyUses`).
public struct PasskeySignIn: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// An authenticator's answer to `navigator.credentials.get`, as the passkey form posts it.
    public struct Assertion: Sendable, Equatable {
        public var credentialID: [UInt8]
        public var clientDataJSON: [UInt8]
        public var authenticatorData: [UInt8]
        public var signature: [UInt8]
        /// Empty when the authenticator returned none (a non-discoverable credential).
        public var userHandle: [UInt8]

        public init(credentialID: [UInt8], clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8], userHandle: [UInt8]) {
            self.credentialID = credentialID
            self.clientDataJSON = clientDataJSON
            self.authenticatorData = authenticatorData
            self.signature = signature
            self.userHandle = userHandle
        }

        /// From the form's base64url fields; `nil` when one is missing or not base64url.
        public init?(_ parameters: FormParameters) {
            func bytes(_ name: String) -> [UInt8]? { parameters[name].flatMap { Data(base64URLEncoded: $0) }.map(Array.init) }
            guard let id = bytes("credential_id"), let client = bytes("client_data"), let data = bytes("authenticator_data"),
                let signature = bytes("signature")
            else { return nil }
            self.init(
                credentialID: id,
                clientDataJSON: client,
                authenticatorData: data,
                signature: signature,
                userHandle: parameters["user_handle"].map { Data(base64URLEncoded: $0).map(Array.init) ?? [0] } ?? []
            )
        }
    }

    /// What a passkey stands in for.
    public enum Use: Sendable, Equatable {
        /// The whole sign-in: user verification is required (§6.2.3), so the passkey is a
        /// possession factor plus the PIN or biometric that unlocked it.
        case passwordless
        /// The second factor for this subject, whose password was already right.
        case secondFactor(subject: String)

        /// RFC 8176 §2: a key held by the authenticator and a test of presence, with the
        /// password or the authenticator's own user verification making it more than one factor.
        public var methods: [String] {
            switch self {
            case .passwordless: ["hwk", "user", "mfa"]
            case .secondFactor: ["pwd", "hwk", "user", "mfa"]
            }
        }
    }

    /// Why a passkey was refused. The person is told only that it could not be used; the
    /// reason is for the log.
    public enum Refusal: Error, Equatable, Sendable {
        case rejected(String)
        /// The counter did not increase: possibly a cloned authenticator (§6.1.1).
        case counterRegression

        public var reason: String {
            switch self {
            case .rejected(let reason): reason
            case .counterRegression: "the signature counter did not increase: possibly a cloned authenticator"
            }
        }

        public static let message = "This passkey cannot be used to sign in here. Try again, or sign in another way."
    }

    /// The user `assertion` signs in, or why not. Throws `temporarily_unavailable` only when
    /// the store cannot be consulted: a challenge must never go unclaimed.
    public func verify(
        _ assertion: Assertion,
        for use: Use,
        challenge: [UInt8],
        formExpires: Date,
        now: Date
    ) async throws(OAuthError) -> Result<UserConfig, Refusal> {
        guard let (user, passkey) = context.config.passkey(id: assertion.credentialID) else {
            return .failure(.rejected("the credential is not (or no longer) in the config"))
        }
        if case .secondFactor(let subject) = use, subject != user.subject {
            return .failure(.rejected("the credential is another user's"))
        }
        // §7.2 step 6: a discoverable credential names its user; it must be the one the config lists it under.
        if !assertion.userHandle.isEmpty, assertion.userHandle != WebAuthnRelyingParty.userHandle(subject: user.subject) {
            return .failure(.rejected("the user handle is not the credential's user's"))
        }
        if use == .passwordless, assertion.userHandle.isEmpty {
            return .failure(.rejected("no user handle: not a discoverable credential"))
        }
        let data: AuthenticatorData
        do {
            data = try context.config.relyingParty.verifyAssertion(
                publicKey: passkey.publicKey,
                clientDataJSON: assertion.clientDataJSON,
                authenticatorData: assertion.authenticatorData,
                signature: assertion.signature,
                challenge: challenge,
                requireUserVerification: use == .passwordless
            )
        } catch {
            return .failure(.rejected(error.reason))
        }
        let first = try await withStateStore {
            try await context.state.passkeys.claimChallenge(challenge, until: formExpires, now: now)
        }
        guard first else { return .failure(.rejected("the challenge was already used")) }
        let counter = try await withStateStore {
            try await context.state.passkeys.advanceCounter(credentialID: passkey.id, to: data.signCount)
        }
        switch counter {
        case .advanced: return .success(user)
        case .regressed: return .failure(.counterRegression)
        case .contended: return .failure(.rejected("other sign-ins with this credential at the same moment; try again"))
        }
    }
}
