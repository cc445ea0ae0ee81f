import FuzzSupport
import PermisoCore

/// Form bodies as the token, device and page endpoints read them (`FormBody.read`: only
/// valid UTF-8 reaches the parser). Whatever parses must survive re-encoding unchanged,
/// repeated `resource` values included,
/// and no parameter may be empty (RFC 6749 §3.1: an empty value is an omitted one).
@main
enum FuzzFormBody {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let text = String(validating: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self),
        let form = try? FormParameters.parse(text)
    else { return 0 }
    for (name, value) in form.values {
        fuzzAssert(!value.isEmpty, "parameter \(name) kept an empty value")
    }
    let reparsed = try? FormParameters.parse(formEncoded(form))
    fuzzAssert(reparsed == form, "re-encoding \(form.values) parsed as \(String(describing: reparsed?.values))")
    return 0
}
