import FuzzSupport
import PermisoCore

/// The token endpoint's grants on any form from an authenticated client: the fuzzer's
/// own form, or one redeeming a real code, refresh token or device code with the fuzzer's
/// edits; and the same values presented to introspection and revocation. Every outcome is
/// tokens, an answer or an OAuth error (typed throws guarantee the kind), never a crash,
/// whatever the grant's opening, PKCE and state checks meet.
@main
enum FuzzToken {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let clients = FuzzFixture.config.clients
    var chosen = clients[input.choice(clients.count)]
    let endpoint = input.choice(3)
    let parameters: FormParameters
    switch input.choice(2) {
    case 0:
        guard let form = try? FormParameters.parse(input.restAsText()) else { return 0 }
        parameters = form
    default:
        let kinds = FuzzFixture.sealedKinds.filter { [.code, .refresh, .device].contains($0.purpose) }
        let kind = kinds[input.choice(kinds.count)]
        let grant: [SealPurpose: (type: String, parameter: String)] = [
            .code: ("authorization_code", "code"),
            .refresh: ("refresh_token", "refresh_token"),
            .device: ("urn:ietf:params:oauth:grant-type:device_code", "device_code"),
        ]
        let (type, parameter) = grant[kind.purpose]!
        parameters = FormParameters([
            "grant_type": type,
            parameter: input.edited(kind.real),
            "redirect_uri": "http://127.0.0.1:4711/callback",
            "code_verifier": FuzzFixture.codeVerifier,
        ])
    }
    let context = TokenContext.next()
    // Introspection and revocation take the value under test as `token`.
    let token = parameters["token"] ?? parameters["refresh_token"] ?? parameters["code"] ?? parameters["device_code"]
    chosen.introspect = true
    let client = chosen
    FuzzFixture.blocking {
        switch endpoint {
        case 0: _ = try? await TokenGrant.answer(client: client, parameters: parameters, context: context, now: FuzzFixture.now)
        case 1: _ = try? await TokenIntrospection(context).answer(token: token, caller: client, now: FuzzFixture.now)
        default: try? await TokenRevocation(context).revoke(token: token, client: client, now: FuzzFixture.now)
        }
    }
    return 0
}

/// A fresh memory store every so many inputs, so a long run's single-use markers do not
/// fill it (a full store refuses, which would hide the paths after it).
enum TokenContext {
    nonisolated(unsafe) static var uses = 0
    nonisolated(unsafe) static var current = make()

    static func make() -> FlowContext {
        FlowContext(issuer: FuzzFixture.issuer, state: ProtocolState(store: MemoryStateStore()))
    }

    static func next() -> FlowContext {
        uses += 1
        if uses % 10_000 == 0 { current = make() }
        return current
    }
}
