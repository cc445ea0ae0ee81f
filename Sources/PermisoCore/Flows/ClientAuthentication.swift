internal import Crypto
internal import Foundation
internal import Synchronization

/// Who is calling the token endpoint (RFC 6749 §2.3, OIDC Core §9).
///
/// The method used must be the one the client registered; a client may use only one method
/// per request. Every failure is `invalid_client`, without saying whether the id or the
/// secret was wrong.
public final class ClientAuthenticator: Sendable {
    /// What the request presented.
    public struct Presented: Sendable {
        /// The `Authorization` header's value, if any.
        public var authorization: String?
        public var parameters: FormParameters

        public init(authorization: String?, parameters: FormParameters) {
            self.authorization = authorization
            self.parameters = parameters
        }
    }

    /// The outcome: the client, and whether it used HTTP Basic (so an error answers with a Basic challenge).
    public struct Authenticated: Sendable {
        public var client: ClientConfig
        public var method: ClientAuthMethod
    }

    /// Secrets already checked against their hash: bcrypt is deliberately slow, and a service
    /// calling client_credentials every few seconds should not pay for it each time. Keyed by
    /// the hash, so a changed secret in the config starts afresh; values are salted digests.
    private let verified = Mutex<[String: Data]>([:])
    private let cacheSalt = SymmetricKey(size: .bits256)
    /// Client and address pairs the throttle refused lately (`ThrottleRefusals`).
    private let refusals = ThrottleRefusals(lifetime: .seconds(ClientSecretThrottle.window))
    private let verifier: any PasswordVerifier

    public init(verifier: any PasswordVerifier = InlinePasswordVerifier()) {
        self.verifier = verifier
    }

    /// Where a secret check is counted: the throttle and the caller's address.
    public struct Guessing: Sendable {
        public var throttle: ClientSecretThrottle
        public var address: String

        public init(throttle: ClientSecretThrottle, address: String) {
            self.throttle = throttle
            self.address = address
        }
    }

    /// - Parameter guessing: counts the secret checks that could be guesses; `nil` counts none.
    public func authenticate(
        _ presented: Presented,
        config: PermisoConfig,
        guessing: Guessing? = nil
    ) async throws(ClientAuthenticationError)
        -> Authenticated
    {
        let basic: (id: String, secret: String)?
        if let header = presented.authorization {
            basic = try Self.parseBasic(header)
        } else {
            basic = nil
        }
        // An empty secret proves nothing, so it counts as none: a request with one is `none`
        // and only a public client passes. Some public clients (oidc-agent) always send the
        // field, in the body or as Basic with an empty password.
        let postSecret = presented.parameters["client_secret"].flatMap { $0.isEmpty ? nil : $0 }
        let bodyID = presented.parameters["client_id"]
        // RFC 6749 §2.3: a client must not use more than one authentication method per request.
        if basic != nil && postSecret != nil {
            throw ClientAuthenticationError(.invalidRequest("use one client authentication method, not two"), basic: true)
        }
        if let basic, let bodyID, bodyID != basic.id {
            throw ClientAuthenticationError(.invalidRequest("client_id differs from the authenticated client"), basic: true)
        }
        let basicSecret = basic.flatMap { $0.secret.isEmpty ? nil : $0.secret }
        let method: ClientAuthMethod = basicSecret != nil ? .clientSecretBasic : (postSecret != nil ? .clientSecretPost : .none)
        let usedBasic = basic != nil
        guard let id = basic?.id ?? bodyID else {
            throw ClientAuthenticationError(.invalidClient("client authentication is required"), basic: usedBasic)
        }
        guard let client = config.client(id: id) else {
            throw ClientAuthenticationError(.invalidClient("client authentication failed"), basic: usedBasic)
        }
        guard client.authMethod == method else {
            throw ClientAuthenticationError(
                .invalidClient("this client authenticates with \(client.authMethod.rawValue)"),
                basic: usedBasic
            )
        }
        if let hash = client.secretHash {
            guard let secret = basicSecret ?? postSecret else {
                throw ClientAuthenticationError(.invalidClient("client authentication failed"), basic: usedBasic)
            }
            // An address the throttle refused for this client is refused at once, whatever
            // secret it sends: the right one is refused as a wrong one is, at the same cost
            // (no hash, no store call), or the difference in answer or time would tell a
            // guesser which guess was right, however many it made. That holds while the
            // store is out too, when the throttle itself cannot count.
            if let guessing, refusals.refuses(client.id, guessing.address) { throw Self.throttled(basic: usedBasic) }
            let digest = Data(HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: cacheSalt))
            let known = verified.withLock { $0[hash] }
            // The secret last verified for this hash passes without a hash check or a count.
            if let known, ConstantTime.equals(Array(known), Array(digest)) {
                return Authenticated(client: client, method: method)
            }
            // Once the right secret is known, any other is wrong without a hash check; it still counts.
            if known != nil {
                if case .refused = await count(guessing, client: client) { throw Self.throttled(basic: usedBasic) }
                throw ClientAuthenticationError(.invalidClient("client authentication failed"), basic: usedBasic)
            }
            switch await check(secret, digest: digest, hash: hash, client: client, guessing: guessing) {
            case .right: break
            case .wrong: throw ClientAuthenticationError(.invalidClient("client authentication failed"), basic: usedBasic)
            case .throttled: throw Self.throttled(basic: usedBasic)
            }
        }
        return Authenticated(client: client, method: method)
    }

    /// What one secret check found.
    enum CheckOutcome: Sendable {
        case right, wrong, throttled
    }

    private struct CheckKey: Hashable, Sendable {
        var hash: String
        var digest: Data
        var client: String
        var address: String?
    }

    /// Checks in progress, by client, address, hash and salted secret: requests presenting
    /// the same secret at once, for the same client from the same address, share one check,
    /// one count and one hash verification. Without this, a service that starts with 64
    /// parallel calls on a cold cache makes 64 counted checks before the first one finishes,
    /// and the throttle refuses a client that never sent a wrong secret. Different secrets
    /// never share, so each guess is still counted on its own; nor do different addresses,
    /// so one address's refusal is never another's.
    private let checking = Mutex<[CheckKey: Task<CheckOutcome, Never>]>([:])

    private func check(
        _ secret: String,
        digest: Data,
        hash: String,
        client: ClientConfig,
        guessing: Guessing?
    ) async
        -> CheckOutcome
    {
        let key = CheckKey(hash: hash, digest: digest, client: client.id, address: guessing?.address)
        let task = checking.withLock { running in
            if let task = running[key] { return task }
            // Unstructured, so that no one caller's cancellation cancels the check for the rest.
            let task = Task { [self] () -> CheckOutcome in
                defer { _ = checking.withLock { $0.removeValue(forKey: key) } }
                guard case .counted(let reservation) = await count(guessing, client: client) else { return .throttled }
                guard await verifier.verify(secret, against: hash) else { return .wrong }
                verified.withLock { $0[hash] = digest }
                try? await reservation?.giveBack()
                return .right
            }
            running[key] = task
            return task
        }
        return await task.value
    }

    private static func throttled(basic: Bool) -> ClientAuthenticationError {
        var error = ClientAuthenticationError(
            .temporarilyUnavailable("too many failed client authentications from this address; try again in a few minutes"),
            basic: basic
        )
        error.throttled = true
        return error
    }

    /// What counting a check that could be a guess found.
    private enum Count {
        /// Counted, with the reservation to give back if the secret is right; `nil` when
        /// nothing was counted (no throttle, or the store could not count).
        case counted(Throttle.Reservation?)
        /// This address has made too many for this client; remembered in `refusals`.
        case refused
    }

    /// Counts one check that could be a guess, and refuses when this address has made too
    /// many for this client. When the store cannot keep the count, the check goes ahead
    /// uncounted: client authentication (and with it client_credentials, which needs no
    /// other state) keeps working through a store outage, at the price of unthrottled
    /// guessing while it lasts (docs/SECURITY.md); addresses already refused stay refused.
    private func count(_ guessing: Guessing?, client: ClientConfig) async -> Count {
        guard let guessing else { return .counted(nil) }
        do {
            guard let reservation = try await guessing.throttle.reserve(clientID: client.id, address: guessing.address) else {
                refusals.record(client.id, guessing.address)
                return .refused
            }
            return .counted(reservation)
        } catch {
            return .counted(nil)
        }
    }

    /// RFC 6749 §2.3.1: id and secret are form-encoded before being joined for Basic.
    static func parseBasic(_ header: String) throws(ClientAuthenticationError) -> (id: String, secret: String) {
        let failure = ClientAuthenticationError(.invalidClient("the Authorization header is not valid Basic credentials"), basic: true)
        guard header.count > 6, header.prefix(6).lowercased() == "basic ",
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":"),
            let id = FormParameters.decode(text[..<colon]), let secret = FormParameters.decode(text[text.index(after: colon)...]),
            !id.isEmpty
        else { throw failure }
        return (id, secret)
    }
}

/// A client authentication failure and whether to answer with a `WWW-Authenticate: Basic` challenge.
public struct ClientAuthenticationError: Error, Sendable {
    public var error: OAuthError
    /// RFC 6749 §5.2: a client that tried Basic gets 401 with a Basic challenge.
    public var basic: Bool
    /// The secret-guessing throttle refused the attempt (`ClientSecretThrottle`), whatever
    /// secret it carried: for the operator's metrics, never for the client.
    public var throttled = false

    public init(_ error: OAuthError, basic: Bool) {
        self.error = error
        self.basic = basic
    }
}
