import FuzzSupport
import Hummingbird
import PermisoCore

/// `Cookie` headers as the browser flow reads them: Hummingbird splits the header, and the
/// session and binding cookies (bare or `__Host-` named) are opened as `BrowserFlow` opens
/// them. Either any header, or one carrying the real cookies with the fuzzer's edits.
@main
enum FuzzCookie {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let session = FuzzFixture.sealedKinds.first { $0.purpose == .session }!
    let binding = FuzzFixture.sealedKinds.first { $0.purpose == .binding }!
    let header: String
    switch input.choice(2) {
    case 0:
        header = input.restAsText()
    default:
        header = input.edited("permiso_session=\(session.real); __Host-permiso_tx=\(binding.real); theme=dark")
    }
    let cookies = Cookies(from: [header])
    for name in ["permiso_session", "__Host-permiso_session"] {
        if let value = cookies[name]?.value {
            fuzzAssert(session.open(value, .session) != false, "a session cookie opened with another payload")
        }
    }
    for name in ["permiso_tx", "__Host-permiso_tx"] {
        if let value = cookies[name]?.value {
            fuzzAssert(binding.open(value, .binding) != false, "a binding cookie opened with another payload")
        }
    }
    return 0
}
