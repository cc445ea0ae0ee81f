/// Durations as people write them in config: `90s`, `10m`, `12h`, `30d`, or plain seconds.
public enum DurationText {
    static let unitSeconds: [Character: Int] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]

    /// Parses a duration into whole seconds; `nil` if the text is not one.
    public static func seconds(from text: String) -> Int? {
        var trimmed = Substring(text)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        var multiplier = 1
        if let unit = trimmed.last, let unitSeconds = unitSeconds[unit] {
            multiplier = unitSeconds
            trimmed = trimmed.dropLast()
        }
        guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCIIDigitCharacter), let value = Int(trimmed) else { return nil }
        let (result, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }

    /// The shortest exact text for a number of seconds, as `seconds(from:)` reads it.
    public static func text(for seconds: Int) -> String {
        if seconds > 0, seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds > 0, seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
