import FuzzSupport
import PermisoCore

/// Authorization-request validation on any query against the example config. Whatever it
/// decides, an error that may redirect names a URI the client registered (RFC 6749
/// §4.1.2.1: never redirect to an unverified URI), and an accepted request is for a
/// registered client with a code challenge where the client requires PKCE.
@main
enum FuzzAuthorize {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    guard let parameters = try? FormParameters.parse(input.restAsText()) else { return 0 }
    let config = FuzzFixture.config
    func registered(_ uri: String) -> Bool {
        guard let client = config.clients.first(where: { $0.id == parameters["client_id"] }) else { return false }
        return client.redirectURIs.contains(uri)
            || (client.isPublic && (try? RedirectURIMatch.resolve(uri, for: client)) == uri)
    }
    do {
        let request = try AuthorizationRequest.validate(parameters, config: config)
        fuzzAssert(registered(request.redirectURI), "accepted an unregistered \(request.redirectURI)")
        let client = config.clients.first { $0.id == request.clientID }!
        fuzzAssert(!client.requirePKCE || request.codeChallenge != nil, "accepted \(client.id) without PKCE")
    } catch {
        if case .redirect(_, let target) = error {
            fuzzAssert(registered(target.redirectURI), "an error redirects to the unregistered \(target.redirectURI)")
        }
    }
    return 0
}
