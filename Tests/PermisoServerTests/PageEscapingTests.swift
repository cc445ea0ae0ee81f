import Foundation
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

/// Every value reflected into a page is escaped per Unicode scalar, so a quote, `<` or `&`
/// followed by a combining mark (one `Character`, not equal to the bare quote) cannot pass
/// unescaped and close an attribute.
@Suite("Pages escape every reflected value per Unicode scalar")
struct PageEscapingTests {
    static let hostile = [
        "\"\u{301} onfocus=alert(1) autofocus x=\"", "<\u{301}script>alert(1)</script>", "&\u{301}lt;", "'\u{301} x='",
        "\u{2028}\"\u{20DD}", "a\"\u{FE0F}b",
    ]

    @Test("A quote, angle bracket, ampersand or apostrophe keeps its escape with a combining mark after it")
    func combiningMarks() throws {
        let renderer = PageRenderer()
        for value in Self.hostile {
            var branding = Branding()
            branding.name = value  // rendered by the layout the page inherits
            let html = renderer.html(DevicePage(userCode: value, error: value), branding: branding)
            // The only raw quotes, brackets and ampersands left are the template's own, and
            // none of those is followed by a mark that would fuse with it.
            let scalars = Array(html.unicodeScalars)
            for (index, scalar) in scalars.enumerated().dropLast() where "\"'<>&".unicodeScalars.contains(scalar) {
                let next = scalars[index + 1]
                #expect(!next.properties.isGraphemeExtend && next.value != 0xFE0F, "\(value.debugDescription) left \(scalar) raw")
            }
            #expect(html.unicodeScalars.contains("\u{301}") || html.unicodeScalars.contains("\u{20DD}") || html.unicodeScalars.contains("\u{FE0F}"))
        }
    }

    @Test("ScalarHTMLEscaping escapes exactly the five characters, scalar by scalar, and keeps the rest")
    func escaper() {
        let escape = ScalarHTMLEscaping()
        #expect(escape.escapeText("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
        #expect(escape.escapeText("\"\u{301}") == "&quot;\u{301}")
        #expect(escape.escapeText("é — 日本 🙂") == "é — 日本 🙂")
    }
}

@Suite("Reflected values through the endpoints")
struct ReflectedValueTests {
    @Test("login_hint, state in form_post and a typed user code come back escaped, combining marks and all")
    func throughEndpoints() async throws {
        let live = try await LiveDeployment(configFile: Repository.exampleConfig, environment: [:])
        let hostile = "%22%CC%81%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        let authorize =
            "/oauth/authorize?client_id=demo&response_type=code&scope=openid"
            + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fdemo%2Fcallback"
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { client in
            for uri in [
                authorize + "&login_hint=" + hostile, authorize + "&response_mode=form_post&prompt=none&state=" + hostile,
                "/device?user_code=" + hostile,
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    let html = String(buffer: response.body)
                    let escaped = html.contains("&quot;\u{301}")
                    let raw = html.contains("\"\u{301}")
                    #expect(!html.contains("<script>alert"), "\(uri)")
                    #expect(escaped && !raw, "\(uri): \(html)")
                }
            }
        }
    }
}
