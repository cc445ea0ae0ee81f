internal import Foundation

/// Durations as people write them in config: `90s`, `10m`, `12h`, `30d`, or plain seconds.
public enum DurationText {
    /// Parses a duration into whole seconds; `nil` if the text is not one.
    public static func seconds(from text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let unit = trimmed.last else { return nil }
        let multiplier: Int
        var digits = Substring(trimmed)
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3_600
        case "d": multiplier = 86_400
        case "0"..."9": multiplier = 1
        default: return nil
        }
        if !unit.isNumber { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter), let value = Int(digits) else { return nil }
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
