import FuzzSupport
import HummingbirdCore
import PermisoCore

/// Request targets as the authorize, device, logout and demo pages read them: Hummingbird's
/// `URI` splits off the query, which `FormParameters` parses. Whatever parses survives
/// re-encoding unchanged, repeated `resource` values included.
@main
enum FuzzQuery {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let target = "/authorize?" + input.restAsText()
    let uri = URI(target)
    guard let query = uri.query, let form = try? FormParameters.parse(query) else { return 0 }
    fuzzAssert((try? FormParameters.parse(formEncoded(form))) == form, "the query \(query) does not survive re-encoding")
    return 0
}
