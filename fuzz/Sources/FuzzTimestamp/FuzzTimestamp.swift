import Foundation
import FuzzSupport
import PermisoCore

/// RFC 3339 times as `keys/manifest.yaml` holds them (`created`, `keepUntil`): `Timestamp`.
/// Beyond not crashing: a time it reads writes out as text that reads back as the same
/// second, and a time already in the written form (`Z`, whole seconds, no leap second) writes
/// out as exactly the text it came from.
@main
enum FuzzTimestamp {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let text = input.restAsText()
    guard let date = Timestamp.parse(text) else { return 0 }
    let written = Timestamp.format(date)
    let second = date.timeIntervalSince1970.rounded(.down)
    fuzzAssert(Timestamp.parse(written)?.timeIntervalSince1970 == second, "\(text) wrote \(written), which reads back otherwise")
    let canonical = text.utf8.count == 20 && text.hasSuffix("Z") && !text.contains(".") && !text.contains(":60Z")
    fuzzAssert(!canonical || written == text, "\(text) wrote back as \(written)")
    return 0
}
