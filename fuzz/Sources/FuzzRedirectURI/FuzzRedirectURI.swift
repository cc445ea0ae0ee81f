import FuzzSupport
import PermisoCore

/// Redirect-URI matching (RFC 6749 §3.1.2.3, RFC 8252 §7.3) against every example client
/// and a public client registering loopback URIs with a port, a query and IPv6. What it
/// accepts is checked against an independent reading of the rule, on the raw strings:
/// exactly a registered URI, or — for a public client — a registered `http` loopback
/// IP-literal URI with only the port's digits different.
@main
enum FuzzRedirectURI {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let clients = LoopbackClients.all
    let client = clients[input.choice(clients.count)]
    // An empty value is an omitted one (RFC 6749 §3.1; `FormParameters` drops it).
    let omitted = input.choice(8) == 0
    let requested = omitted ? nil : Optional(input.restAsText()).flatMap { $0.isEmpty ? nil : $0 }
    guard let resolved = try? RedirectURIMatch.resolve(requested, for: client) else { return 0 }
    if let requested {
        fuzzAssert(resolved == requested, "\(requested) resolved to \(resolved)")
    } else {
        fuzzAssert(client.redirectURIs.count == 1, "an omitted redirect_uri resolved with several registered")
    }
    let allowed =
        client.redirectURIs.contains(resolved)
        || (client.isPublic && client.redirectURIs.contains { LoopbackClients.portless($0) == LoopbackClients.portless(resolved) })
    fuzzAssert(allowed, "\(resolved) matched for \(client.id), which registered \(client.redirectURIs)")
    return 0
}

enum LoopbackClients {
    static let all: [ClientConfig] = {
        var loopback = FuzzFixture.client("cli")
        loopback.id = "loopback"
        loopback.redirectURIs = [
            "http://127.0.0.1:8400/cb?app=1",
            "http://[::1]/cb",
            "http://localhost/cb",
            "https://127.0.0.1/cb",
        ]
        return FuzzFixture.config.clients + [loopback]
    }()

    /// A loopback http URI with the port's digits cut out, or `nil` when it is not one.
    static func portless(_ uri: String) -> String? {
        for host in ["http://127.0.0.1", "http://[::1]"] where uri.hasPrefix(host) {
            var rest = Substring(uri.dropFirst(host.count))
            if rest.first == ":" {
                rest = rest.dropFirst().drop { $0.isASCII && $0.isNumber }
            }
            guard rest.isEmpty || rest.first == "/" else { return nil }
            return host + rest
        }
        return nil
    }
}
