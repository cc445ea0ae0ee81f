import Foundation
import PermisoCore

/// What a page's template shows, typed: one value per template, its fields named as the
/// template names them. `PageRenderer` fills in `brand`; `BrowserFlow.boundForm` fills in a
/// form's sealed `tx`. An optional left `nil` reads as absent to the template (an empty
/// string would not: Mustache treats "" as present).
protocol PageContext: Sendable {
    /// The template in `PageTemplates.all`.
    static var template: String { get }
    var title: String { get }
    var brand: BrandContext { get set }
    /// Whether the page loads `/assets/passkeys.js`: its CSP then allows scripts from itself.
    var usesScript: Bool { get }
}

extension PageContext {
    var usesScript: Bool { false }
}

/// A page whose form carries a sealed transaction bound to the browser's cookie.
protocol FormPageContext: PageContext {
    var tx: String { get set }
}

/// The branding every page shows in its header.
struct BrandContext: Sendable {
    var name = ""
    var logoURL: String?

    init() {}

    init(_ branding: Branding) {
        name = branding.name
        logoURL = branding.logoURL
    }
}

/// A passkey button and its form: what `passkeys.js` passes to `navigator.credentials.get`
/// (WebAuthn Level 3 §5.5), and the sealed `PasskeyTransaction` the answer is posted with.
struct PasskeyPrompt: Sendable {
    var action = Endpoint.loginPasskey
    var tx: String
    /// base64url, as the browser will echo it in the client data.
    var challenge: String
    var rpID: String
    /// JSON: the credentials the authenticator may use, `[]` for a discoverable one.
    var allow: String
    var userVerification: String
    var label: String

    /// `allowCredentials` for these passkeys: their ids and transports, as JSON.
    static func allowList(_ passkeys: [PasskeyConfig]) -> String {
        let entries = passkeys.map {
            ["id": .string(Data($0.id).base64URLEncodedString), "transports": JSONValue.array($0.transports.map(JSONValue.string))]
        }
        return String(decoding: (try? StableJSON.compactEncoder.encode(entries)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

struct LoginPage: FormPageContext {
    static let template = "login"
    let title = "Sign in"
    var clientName: String
    /// Where the form posts: the authorization flow's or the device flow's login.
    var action: String
    var username: String?
    var error: String?
    var tx = ""
    var passkey: PasskeyPrompt?
    var brand = BrandContext()
    var usesScript: Bool { passkey != nil }

    init(clientName: String, action: String, username: String?, error: String? = nil) {
        self.clientName = clientName
        self.action = action
        self.username = username?.nonEmpty
        self.error = error
    }
}

struct SecondFactorPage: FormPageContext {
    static let template = "second-factor"
    let title = "Enter your code"
    var username: String
    var action = Endpoint.loginCode
    /// Whether the user has an authenticator app: the code field shows only then.
    var asksCode: Bool
    /// Whether the user has recovery codes: the "lost it?" form shows only then.
    var offersRecovery: Bool
    var error: String?
    var tx = ""
    var passkey: PasskeyPrompt?
    var brand = BrandContext()
    var usesScript: Bool { passkey != nil }

    init(username: String, asksCode: Bool = true, offersRecovery: Bool = false, error: String? = nil) {
        self.username = username
        self.asksCode = asksCode
        self.offersRecovery = offersRecovery
        self.error = error
    }
}

/// `/account/passkeys`: the user's passkeys as the config lists them, and the form that
/// creates a new one (`navigator.credentials.create`, WebAuthn Level 3 §5.4).
struct AccountPasskeysPage: FormPageContext {
    struct Listed: Sendable {
        var name: String
        var algorithm: String
        var created: String?
    }

    static let template = "account-passkeys"
    let title = "Passkeys"
    var username: String
    var passkeys: [Listed]
    var error: String?
    var challenge = ""
    var rpID: String
    var rpName: String
    /// The WebAuthn user handle, base64url (`WebAuthnRelyingParty.userHandle`).
    var userID: String
    var displayName: String
    var algorithms = PasskeyEnrollment.algorithms.map(String.init).joined(separator: " ")
    /// The user's passkeys as JSON, so the authenticator does not make a second one (`excludeCredentials`).
    var exclude: String
    var tx = ""
    var brand = BrandContext()
    var usesScript: Bool { true }
}

/// After a new passkey verified: the config entry to add.
struct PasskeyAddedPage: PageContext {
    static let template = "passkey-added"
    let title = "Passkey verified"
    var username: String
    var entry: String
    /// The user had no second factor, so a password alone made this: the reviewer must check
    /// with the person that they asked for it.
    var passwordOnly: Bool
    var brand = BrandContext()
}

struct ConsentPage: FormPageContext {
    /// One requested scope as the page lists it.
    struct Scope: Sendable {
        var name: String
        var description: String
    }

    /// An API the access token would be for (RFC 8707 `resource`), by its name and identifier.
    struct API: Sendable {
        var name: String
        var id: String
    }

    /// The APIs as one value, so that the template's section around the list shows only when there are some.
    struct APIs: Sendable {
        var items: [API]
    }

    static let template = "consent"
    let title = "Allow access"
    var clientName: String
    var action: String
    var username: String
    var scopes: [Scope]
    /// The APIs the client asked for; `nil` when it named none (the section then shows nothing).
    var apis: APIs? = nil
    /// The device's user code, for the device flow's confirmation (RFC 8628 §5.4).
    var userCode: String?
    var tx = ""
    var brand = BrandContext()
}

struct LogoutConfirmPage: FormPageContext {
    static let template = "logout-confirm"
    let title = "Sign out"
    var username: String?
    var tx = ""
    var brand = BrandContext()
}

struct SignedOutPage: PageContext {
    struct Frame: Sendable {
        var src: String
    }

    static let template = "logged-out"
    let title = "Signed out"
    /// The clients' front-channel logout pages, loaded in hidden frames.
    var frames: [Frame] = []
    /// The post-logout redirect, when the page continues to one.
    var next: String?
    /// `<meta http-equiv="refresh">`: the way on without JavaScript.
    var refresh: String?
    var brand = BrandContext()
    var usesScript: Bool { next != nil }

    init(frames: [String] = [], next: String? = nil) {
        self.frames = frames.map(Frame.init)
        self.next = next
        self.refresh = next.map { "3;url=\($0)" }
    }
}

struct ErrorPage: PageContext {
    static let template = "error"
    let title = "Error"
    let heading = "This request cannot be completed"
    var description: String
    var code: String
    var brand = BrandContext()
}

/// The self-submitting form of the Form Post Response Mode.
struct FormPostPage: PageContext {
    struct Field: Sendable {
        var name: String
        var value: String
    }

    static let template = "form-post"
    let title = "Continue"
    var action: String
    var nonce: String
    var fields: [Field]
    var brand = BrandContext()
}

struct DevicePage: PageContext {
    static let template = "device"
    let title = "Connect a device"
    var userCode: String?
    var error: String?
    var brand = BrandContext()
}

struct DeviceDonePage: PageContext {
    static let template = "device-done"
    var title: String
    /// The same as `title`; stored, since templates read only stored properties.
    var heading: String
    var message: String
    var brand = BrandContext()

    init(heading: String, message: String) {
        self.title = heading
        self.heading = heading
        self.message = message
    }
}

struct DemoPage: PageContext {
    static let template = "demo"
    let title = "Demo app"
    var heading: String
    var error: String?
    var loginURL: String?
    var subject: String?
    var claims: String?
    var logoutURL: String?
    var brand = BrandContext()
}

extension String {
    /// `nil` for the empty string, so a template reads it as absent.
    var nonEmpty: String? { isEmpty ? nil : self }
}
