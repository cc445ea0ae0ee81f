import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import PermisoCore

/// Renders the login, consent, logout, error and demo pages, each with its own
/// Content-Security-Policy: no inline style or script (but a form_post page's one nonce'd
/// script), forms only to itself and the flow's redirect URI. `PageMiddleware` adds what
/// every page shares: no framing, no sniffing, no caching, no referrer.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    init() {
        MustacheContentTypes.register(ScalarHTMLEscaping(), named: ScalarHTMLEscaping.name)
        var library = MustacheLibrary()
        for (name, text) in PageTemplates.all {
            // Every template escapes per Unicode scalar, from its first tag on. The templates
            // are constants of this module; a syntax error in one is a build bug.
            try! library.register("{{% CONTENT_TYPE: \(ScalarHTMLEscaping.name)}}" + text, named: name)
        }
        self.library = library
    }

    /// Where a page's forms may send the browser: itself, and for flows the client's redirect URI,
    /// since browsers apply form-action to the redirect that follows a form post.
    struct FormTargets {
        var redirectURI: String?

        var directive: String {
            var sources = ["'self'"]
            if let redirectURI, let source = Self.source(of: redirectURI) { sources.append(source) }
            return "form-action " + sources.joined(separator: " ")
        }

        static func source(of uri: String) -> String? {
            guard let components = URLComponents(string: uri), let scheme = components.scheme else { return nil }
            guard let host = components.encodedHost, !host.isEmpty else { return "\(scheme):" }
            let port = components.port.map { ":\($0)" } ?? ""
            return "\(scheme)://\(host)\(port)"
        }
    }

    func render<Page: PageContext>(
        _ page: Page,
        branding: Branding,
        status: HTTPResponse.Status = .ok,
        formTargets: FormTargets = FormTargets(),
        scriptNonce: String? = nil,
        frames: [String] = []
    ) -> Response {
        let html = html(page, branding: branding)
        var policy = [
            "default-src 'none'", "style-src 'self'", "img-src 'self' https: data:", formTargets.directive,
            "frame-ancestors 'none'", "base-uri 'none'",
        ]
        // Front-channel logout: exactly the origins of the frames this page loads.
        let frameSources = frames.compactMap(FormTargets.source(of:)).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if !frameSources.isEmpty { policy.append("frame-src " + frameSources.joined(separator: " ")) }
        if let scriptNonce {
            policy.append("script-src 'nonce-\(scriptNonce)'")
        } else if page.usesScript {
            // The passkey script, from this origin: never inline, never another site's.
            policy.append("script-src 'self'")
        }
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentSecurityPolicy: policy.joined(separator: "; "),
        ]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The page's HTML: its template with its values, each escaped for HTML per Unicode scalar.
    func html<Page: PageContext>(_ page: Page, branding: Branding) -> String {
        var page = page
        page.brand = BrandContext(branding)
        return library.render(page, withTemplate: Page.template) ?? ""
    }

    /// The error page of a request that must not be redirected (RFC 6749 §4.1.2.1).
    func error(_ error: OAuthError, branding: Branding, status: HTTPResponse.Status = .badRequest) -> Response {
        render(ErrorPage(description: error.description, code: error.code), branding: branding, status: status)
    }
}
