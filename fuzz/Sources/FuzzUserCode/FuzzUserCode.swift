import FuzzSupport
import PermisoCore

/// User-code normalisation on anything typed into the device page: the result is a code
/// of the alphabet's eight letters or nothing, and a normalised code reads back as itself
/// however it is shown or retyped (dash, lower case, spaces).
@main
enum FuzzUserCode {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let typed = input.restAsText()
    guard let code = UserCode.normalize(typed) else { return 0 }
    fuzzAssert(code.count == UserCode.length, "\(typed) normalised to \(code)")
    fuzzAssert(code.allSatisfy(UserCode.alphabet.contains), "\(typed) normalised to \(code)")
    let shown = UserCode.display(code)
    fuzzAssert(UserCode.normalize(shown) == code, "\(shown) does not read back")
    fuzzAssert(UserCode.normalize(" " + shown.lowercased() + " ") == code, "\(shown) retyped does not read back")
    return 0
}
