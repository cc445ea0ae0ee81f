import Foundation
import FuzzSupport
import PermisoCore

/// `Sealer.open`, the one way codes, refresh tokens, device codes, cookies and form
/// transactions come back in. Three kinds of input:
/// - any text, opened as every kind under every purpose;
/// - a real value with the fuzzer's edits: if it still opens, it is the real payload
///   (AES-GCM lets nothing else through), and only under its own purpose;
/// - an authentic value with a payload Permiso never wrote, as another version would seal.
@main
enum FuzzSealed {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let kinds = FuzzFixture.sealedKinds
    switch input.choice(3) {
    case 0:
        let text = input.restAsText()
        for kind in kinds {
            for purpose in SealPurpose.allCases {
                fuzzAssert(kind.open(text, purpose) != false, "\(text) opened as a \(kind.name) with another payload")
            }
        }
    case 1:
        let kind = kinds[input.choice(kinds.count)]
        let text = input.edited(kind.real)
        for purpose in SealPurpose.allCases {
            switch kind.open(text, purpose) {
            case nil: break
            case true?: fuzzAssert(purpose == kind.purpose, "a \(kind.name) opened under \(purpose)")
            case false?: fuzzAssert(false, "an edited \(kind.name) opened with another payload: \(text)")
            }
        }
    default:
        let kind = kinds[input.choice(kinds.count)]
        guard let payload = try? JSONDecoder().decode(JSONValue.self, from: Data(input.rest())) else { return 0 }
        kind.openForeign(payload)
    }
    return 0
}
