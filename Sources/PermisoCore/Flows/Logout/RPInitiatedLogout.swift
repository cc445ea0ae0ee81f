public import Foundation

/// The decision of OpenID Connect RP-Initiated Logout 1.0 §2–§3, without HTTP.
///
/// With an authentic `id_token_hint` (expired is fine) for the browser's user, the user is
/// signed out at once; otherwise they are asked, so a link on another site cannot sign them
/// out. `post_logout_redirect_uri` must be registered exactly for the client the hint (or
/// `client_id`) names, or there is no redirect and the request is refused (§3).
public struct RPInitiatedLogout: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// Where the browser goes once signed out: the registered URI with `state`, or the
    /// signed-out page when `redirect` is `nil`. Sealed into the confirmation form as it is.
    public struct Destination: Codable, Sendable, Equatable {
        public var redirect: String?
        public var state: String?

        public init(redirect: String? = nil, state: String? = nil) {
            self.redirect = redirect
            self.state = state
        }
    }

    /// A logout request whose hint and redirect were checked.
    public struct Validated: Sendable, Equatable {
        /// The subject and session of an authentic `id_token_hint`.
        public var hintSubject: String?
        public var hintSessionID: String?
        public var destination: Destination
    }

    public enum Decision: Sendable, Equatable {
        /// Sign the session (if any) out now.
        case signOut(Destination)
        /// Ask the signed-in user first.
        case confirm(Destination)
    }

    /// Checks the request's parameters; what it refuses throws `invalid_request`, for an
    /// error page (never a redirect: the redirect is what failed).
    public func validate(_ parameters: FormParameters) async throws(OAuthError) -> Validated {
        let hint: IDTokenClaims? =
            if let text = parameters["id_token_hint"] { try await context.issuer.signer.verifyIDTokenHint(text) } else { nil }
        // §2: the client is the hint's audience, or client_id; both given must agree.
        if let hint, let clientID = parameters["client_id"], clientID != hint.aud {
            throw .invalidRequest("client_id does not match the id_token_hint")
        }
        var destination = Destination(state: parameters["state"])
        if let uri = parameters["post_logout_redirect_uri"] {
            let client = (hint?.aud ?? parameters["client_id"]).flatMap(context.config.client(id:))
            // §3: exact match with the client's list, or no redirect at all.
            guard let client, client.postLogoutRedirectURIs.contains(uri) else {
                throw .invalidRequest("post_logout_redirect_uri is not registered for this client")
            }
            destination.redirect = uri
        }
        return Validated(hintSubject: hint?.sub, hintSessionID: hint?.sid, destination: destination)
    }

    /// Signs out at once when nobody is signed in, or when the hint was issued in this very
    /// session (its `sub` and its `sid`); asks otherwise (§2: the OP confirms a logout it
    /// cannot attribute to the current session, so an ID token from an earlier session —
    /// stolen, or simply old — cannot end this one unasked).
    public static func decide(_ request: Validated, session: LoginSession?) -> Decision {
        guard let session else { return .signOut(request.destination) }
        if request.hintSubject == session.subject, request.hintSessionID == session.sessionID {
            return .signOut(request.destination)
        }
        return .confirm(request.destination)
    }

    /// Ends `session` in the shared store, so its cookie, codes, refresh tokens and device
    /// grants are refused on every instance.
    public func end(_ session: LoginSession, now: Date) async throws(OAuthError) {
        do {
            try await context.state.sessions.end(session, lifetimes: context.config.lifetimes, now: now)
        } catch {
            throw .temporarilyUnavailable("sign-out cannot be recorded right now; try again")
        }
    }
}
