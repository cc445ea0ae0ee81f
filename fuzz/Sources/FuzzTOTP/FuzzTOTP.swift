import Foundation
import FuzzSupport
import PermisoCore

/// The TOTP parsers: a base32 secret as the config reads it, and a code as the second-factor
/// form reads it. A decoded secret encodes back to the same symbols (case, spaces and padding
/// aside); a typed code matches only a step within the window, and only if it is that step's code.
@main
enum FuzzTOTP {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let text = input.restAsText()
    if let bytes = Base32.decode(text) {
        let canonical = text.uppercased().filter { $0 != " " && $0 != "=" }
        fuzzAssert(Base32.encode(bytes) == canonical, "\(text) decoded to bytes that encode as \(Base32.encode(bytes))")
    }
    let config = TOTPConfig(secret: Array("12345678901234567890".utf8))
    let now = FuzzFixture.now
    if let step = TOTP.matchingStep(text, config, now: now) {
        let current = TOTP.step(at: now, period: config.period)
        fuzzAssert(abs(step - current) <= Int64(TOTP.window), "\(text) matched step \(step), now \(current)")
        fuzzAssert(TOTP.code(config, step: step) == text.filter { $0 != " " }, "\(text) is not the code of step \(step)")
    }
    return 0
}
