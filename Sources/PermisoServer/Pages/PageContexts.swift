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

struct LoginPage: FormPageContext {
    static let template = "login"
    let title = "Sign in"
    var clientName: String
    /// Where the form posts: the authorization flow's or the device flow's login.
    var action: String
    var username: String?
    var error: String?
    var tx = ""
    var brand = BrandContext()

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
    var error: String?
    var tx = ""
    var brand = BrandContext()

    init(username: String, error: String? = nil) {
        self.username = username
        self.error = error
    }
}

struct ConsentPage: FormPageContext {
    /// One requested scope as the page lists it.
    struct Scope: Sendable {
        var name: String
        var description: String
    }

    static let template = "consent"
    let title = "Allow access"
    var clientName: String
    var action: String
    var username: String
    var scopes: [Scope]
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
    static let template = "logged-out"
    let title = "Signed out"
    var brand = BrandContext()
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
