import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// The browser's two cookies: the sealed login session, and the binding that ties each
/// form to the browser it was shown in (CSRF, RFC 6749 §10.12).
///
/// With an https issuer both are `__Host-` cookies (RFC 6265bis §4.1.3.2: `Secure`,
/// `Path=/`, no `Domain`), which no subdomain and no plain-http page can set, so an
/// attacker cannot plant a binding of their choosing. A loopback http issuer (development)
/// cannot use the prefix, which needs `Secure`; its cookies keep their bare names.
extension BrowserFlow {
    static let sessionCookie = "permiso_session"
    static let bindingCookie = "permiso_tx"
    /// How long a binding cookie lasts; one is reused while it outlives a new form.
    static let bindingLifetime: TimeInterval = 60 * 60

    /// The binding cookie's payload: nothing but the sealed envelope's random `jti` and
    /// expiry, so only a value Permiso minted opens.
    struct FormBinding: Codable, Sendable {}

    /// A cookie's name as this deployment sends it: `__Host-` prefixed for an https issuer.
    func cookieName(_ name: String, _ snapshot: LiveDeployment.Snapshot) -> String {
        snapshot.deployment.config.issuer.scheme == "https" ? "__Host-" + name : name
    }

    func cookieValue(_ name: String, _ request: Request, _ snapshot: LiveDeployment.Snapshot) -> String? {
        request.cookies[cookieName(name, snapshot)]?.value
    }

    func cookie(_ name: String, _ value: String, maxAge: Int, _ snapshot: LiveDeployment.Snapshot) -> Cookie {
        Cookie(
            name: cookieName(name, snapshot),
            value: value,
            maxAge: maxAge,
            path: "/",
            secure: snapshot.deployment.config.issuer.scheme == "https",
            httpOnly: true,
            sameSite: .lax
        )
    }

    func sessionCookie(_ session: LoginSession, _ snapshot: LiveDeployment.Snapshot) throws -> Cookie {
        let lifetime = snapshot.deployment.config.lifetimes.session
        let remaining = session.authTime + lifetime - Int(live.clock.now().timeIntervalSince1970)
        let sealed = try snapshot.sealer.seal(
            session,
            purpose: .session,
            expiresAt: Date(timeIntervalSince1970: TimeInterval(session.authTime + lifetime))
        )
        return cookie(Self.sessionCookie, sealed, maxAge: max(0, remaining), snapshot)
    }

    /// The browser's binding cookie if Permiso minted it and it is unexpired; a value the
    /// browser was given by anyone else is no binding at all.
    func authenticBinding(_ request: Request, _ snapshot: LiveDeployment.Snapshot) -> String? {
        openedBinding(request, snapshot, now: live.clock.now())?.value
    }

    /// The binding a new form is bound to: the browser's own while it outlives the form (so
    /// two tabs' forms both stay usable), else a freshly minted one.
    func binding(_ request: Request, _ snapshot: LiveDeployment.Snapshot) throws -> (value: String, maxAge: Int) {
        let now = live.clock.now()
        if let (value, expiresAt) = openedBinding(request, snapshot, now: now),
            expiresAt.timeIntervalSince(now) > Self.transactionLifetime
        {
            return (value, Int(expiresAt.timeIntervalSince(now)))
        }
        let value = try snapshot.sealer.seal(FormBinding(), purpose: .binding, expiresAt: now.addingTimeInterval(Self.bindingLifetime))
        return (value, Int(Self.bindingLifetime))
    }

    /// The binding cookie and its expiry, when it opens as a binding Permiso sealed.
    private func openedBinding(_ request: Request, _ snapshot: LiveDeployment.Snapshot, now: Date) -> (value: String, expiresAt: Date)? {
        guard let value = cookieValue(Self.bindingCookie, request, snapshot),
            let sealed = try? snapshot.sealer.open(value, as: FormBinding.self, purpose: .binding, now: now)
        else { return nil }
        return (value, sealed.expiresAt)
    }
}
