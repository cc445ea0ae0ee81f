import Foundation
import Testing

@testable import PermisoCore

/// The byte checks that replace Foundation's ICU-backed regular expressions and date
/// formatters: each accepts what the pattern it replaced accepted, and nothing else.
@Suite("ASCII checks and RFC 3339 times without ICU")
struct ASCIITextTests {
    @Test("Letters and digits are the 62 ASCII ones: the bytes around each range, and any non-ASCII byte, are not")
    func alphabet() {
        let accepted = (0...255).map(UInt8.init).filter(ASCIIText.isLetterOrDigit)
        #expect(accepted == Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8))
        let hex = (0...255).map(UInt8.init).filter(ASCIIText.isHexDigit)
        #expect(hex == Array("0123456789ABCDEFabcdef".utf8))
        #expect((0...255).map(UInt8.init).filter(ASCIIText.isDigit) == Array("0123456789".utf8))
    }

    @Test("Client ids, session ids and environment variable names keep their old alphabets")
    func identifiers() {
        for id in ["web", "a.b_c~d-e", "0"] { #expect(ClientConfig.isID(id), "\(id)") }
        for id in ["", "my app", "a/b", "é", "e\u{301}", "a\nb", "a\u{0}", "ａ", "a@b"] { #expect(!ClientConfig.isID(id), "\(id.debugDescription)") }
        #expect(LoginSession.isSessionID("-AbC_09") && LoginSession.isSessionID(String(repeating: "a", count: 128)))
        for sid in ["", String(repeating: "a", count: 129), "a.b", "a=", "a+b", "a\n"] {
            #expect(!LoginSession.isSessionID(sid), "\(sid.debugDescription)")
        }
        let resolve = { (name: String) in SecretReference.environment(name).resolve(relativeTo: "/", environment: [name: "x"]) }
        for name in ["A", "_", "PERMISO_SECRET_2", "a1"] { #expect(resolve(name) == .success("x"), "\(name)") }
        for name in ["", "1A", "A-B", "A B", "Ä", "A\n"] {
            #expect(resolve(name) == .failure(RuleViolation("\"\(name)\" is not an environment variable name")), "\(name.debugDescription)")
        }
    }

    @Test("A URI a client sends is visible ASCII before URLComponents sees it")
    func visible() {
        #expect(ASCIIText.isVisible("https://api.example.com/v1?a=%20#f"))
        for text in ["https://caf\u{e9}.example", "https://a b", "https://a\tb", "https://a\u{7f}", "http://\u{661}.0.0.1/"] {
            #expect(!ASCIIText.isVisible(text), "\(text.debugDescription)")
        }
        #expect(ResourceIndicatorRule.check("https://caf\u{e9}.example") != nil)
        #expect(!RedirectURIMatch.matchesIgnoringLoopbackPort(registered: "http://127.0.0.1/cb", requested: "http://127.0.0.1:9/c\u{e9}"))
        #expect(RedirectURIMatch.matchesIgnoringLoopbackPort(registered: "http://127.0.0.1/cb", requested: "http://127.0.0.1:9/cb"))
        #expect(RedirectURIMatch.matchesIgnoringLoopbackPort(registered: "http://[::1]/cb", requested: "http://[::1]:50000/cb"))
        for requested in ["http://%31%32%37.0.0.1:9/cb", "http://127.0.0.1.:9/cb", "http://LOCALHOST:9/cb", "http://u@127.0.0.1:9/cb"] {
            #expect(!RedirectURIMatch.matchesIgnoringLoopbackPort(registered: "http://127.0.0.1/cb", requested: requested), "\(requested)")
        }
        // Config: a loopback host spelled with escapes is not taken for loopback (http refused);
        // an international host in its ASCII form is an ordinary DNS name.
        #expect(RedirectURIRule.check("http://%31%32%37.0.0.1/cb") != nil)
        #expect(RedirectURIRule.check("http://[::1]:8080/cb") == nil && RedirectURIRule.check("http://LocalHost/cb") == nil)
        #expect(ResourceIndicatorRule.check("https://xn--caf-dma.example/v1") == nil)
        // Hosts RFC 3986 allows and no DNS name has would break the pages' CSP sources.
        for uri in ["https://a;script-src/cb", "https://a,b.example/cb", "https://a'b.example/cb", "https://a%20b.example/cb"] {
            #expect(RedirectURIRule.check(uri) != nil, "\(uri)")
            #expect(LogoutURIRule.check(uri, framed: true) != nil, "\(uri)")
        }
        #expect(RedirectURIRule.check("com.example.app://a;b/cb") != nil)
        #expect(RedirectURIRule.check("com.example.app://app.example/cb") == nil && RedirectURIRule.check("com.example.app:/cb") == nil)
        // Only POSTed to: a service name on a private network is fine for back-channel logout.
        #expect(LogoutURIRule.check("https://orders_api:8443/logout", framed: false) == nil)
        #expect(LogoutURIRule.check("https://orders_api:8443/logout", framed: true) != nil)
    }

    @Test("A resource indicator's host is DNS labels or a bracketed literal, its path plain segments")
    func resourceParts() {
        for host in ["api.example.com", "localhost", "-x.example", "127.0.0.1", "[::1]", "[2001:db8::7]", "[::ffff:1.2.3.4]"] {
            #expect(HostName.isPlain(host), "\(host)")
        }
        for host in ["", ".", "a..b", ".a", "a.", "a_b", "caf\u{e9}", "xn--caf-dma\u{0}", "[]", "[zz]", "[::1", "::1]", "a%2Fb"] {
            #expect(!HostName.isPlain(host), "\(host.debugDescription)")
        }
        for path in ["", "/", "/v1", "/v1/orders.x", "/a~b/c_d-e"] { #expect(ResourceIndicatorRule.isPlainPath(path), "\(path)") }
        for path in ["v1", "//", "/v1/", "/a//b", "/.", "/..", "/a/./b", "/a/../b", "/%41", "/a b", "/\u{e9}"] {
            #expect(!ResourceIndicatorRule.isPlainPath(path), "\(path.debugDescription)")
        }
    }

    @Test("RFC 3339 times: whole or fractional seconds, Z or an offset; anything else is nil")
    func timestamps() throws {
        let noon = Date(timeIntervalSince1970: 1_769_860_800)  // 2026-01-31T12:00:00Z
        #expect(Timestamp.format(noon) == "2026-01-31T12:00:00Z")
        #expect(Timestamp.parse("2026-01-31T12:00:00Z") == noon)
        #expect(Timestamp.parse("2026-01-31T13:30:00+01:30") == noon)
        #expect(Timestamp.parse("2026-01-31T12:00:00.250Z") == noon.addingTimeInterval(0.25))
        for bad in [
            "yesterday", "", "2026-01-31", "2026-01-31T12:00:00", "2026-13-31T12:00:00Z", "2026-01-31T12:00:00Zjunk", "2026-01-31T12:00:00.Z",
            "2026-01-31T12:00:00+0100", "2026-01-31 12:00:00Z", "２026-01-31T12:00:00Z", "2026-01-31T12:00:00+01:00:00",
        ] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        #expect(PasskeyEnrollment.day(noon.addingTimeInterval(11 * 3600 + 59 * 60)) == "2026-01-31")
        #expect(PasskeyEnrollment.day(noon.addingTimeInterval(12 * 3600)) == "2026-02-01")
        #expect(Timestamp.format(noon.addingTimeInterval(0.25), milliseconds: true) == "2026-01-31T12:00:00.250Z")
        #expect(Timestamp.format(noon.addingTimeInterval(0.9999), milliseconds: true) == "2026-01-31T12:00:00.999Z")
        #expect(Timestamp.parse("2028-02-29T00:00:00Z") != nil && Timestamp.parse("1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(Timestamp.parse("2016-12-31T23:59:60Z") == Date(timeIntervalSince1970: 1_483_228_800), "a leap second is the next one")
        #expect(Timestamp.parse("2026-01-31T10:30:00-01:30") == noon)
        // Read to the nanosecond; digits past the ninth are read and dropped.
        let fraction = { (text: String) in Timestamp.parse(text).map { $0.timeIntervalSince1970 - noon.timeIntervalSince1970 } ?? -1 }
        #expect(abs(fraction("2026-01-31T12:00:00.3Z") - 0.3) < 1e-6)
        #expect(abs(fraction("2026-01-31T12:00:00.9999999999999Z") - 0.999_999_999) < 1e-6)
        #expect(Timestamp.parse("2000-02-29T00:00:00Z") != nil && Timestamp.parse("1900-02-29T00:00:00Z") == nil)
        for edge in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
            #expect(Timestamp.parse(edge).map { Timestamp.format($0) } == edge)
        }
        #expect(Timestamp.parse("9999-12-31T23:59:59.99999Z").map { Timestamp.format($0) } == "9999-12-31T23:59:59Z")
        for impossible in [
            "0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2027-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-00-10T00:00:00Z",
            "2026-01-31T24:00:00Z",
            "2026-01-31T12:60:00Z", "2026-01-31T12:00:61Z", "2026-01-31T12:00:00+24:00", "2026-01-31T12:00:00+01:60",
        ] {
            #expect(Timestamp.parse(impossible) == nil, "\(impossible)")
        }
    }
}
