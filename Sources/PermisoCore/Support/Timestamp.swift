public import Foundation

/// RFC 3339 times (§5.6 `date-time`) as the key manifest, the CLI and the logs write them:
/// UTC, `Z`, whole seconds unless asked for milliseconds.
///
/// Read and written with libc's `timegm` and `gmtime_r`, not Foundation's formatters: on
/// Linux those build a `Calendar` in the process's current time zone, which is ICU's, and the
/// first use maps ICU's code and data into the process for good (docs/operations.md
/// "Memory"). UTC needs no time-zone database.
public enum Timestamp {
    /// `2026-01-31T12:00:00Z`; with `milliseconds`, `2026-01-31T12:00:00.250Z`.
    public static func format(_ date: Date, milliseconds: Bool = false) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let parts = utc(time_t(seconds))
        let text = day(parts) + "T" + padded(Int(parts.tm_hour), 2) + ":" + padded(Int(parts.tm_min), 2) + ":" + padded(Int(parts.tm_sec), 2)
        guard milliseconds else { return text + "Z" }
        let fraction = min(999, Int((date.timeIntervalSince1970 - seconds) * 1000))
        return text + "." + padded(fraction, 3) + "Z"
    }

    /// The UTC day, `2026-01-31`.
    public static func day(_ date: Date) -> String {
        day(utc(time_t(date.timeIntervalSince1970.rounded(.down))))
    }

    private static func day(_ parts: tm) -> String {
        padded(Int(parts.tm_year) + 1900, 4) + "-" + padded(Int(parts.tm_mon) + 1, 2) + "-" + padded(Int(parts.tm_mday), 2)
    }

    /// The time `text` names, or `nil` unless it is exactly an RFC 3339 `date-time`: a real
    /// day, an hour, minute and second in range (60 for a leap second), optional fractional
    /// seconds (read to the nanosecond), and `Z` or an offset; and unless the time, offset
    /// applied, falls in years 0000 to 9999, so that `format` writes it back in the same form.
    public static func parse(_ text: String) -> Date? {
        var rest = Substring(text).utf8[...]
        /// The digits and separators of `template`, where each `d` is a digit; the numbers.
        func take(_ template: String) -> [Int]? {
            var numbers: [Int] = []
            var current: Int?
            for expected in template.utf8 {
                guard let byte = rest.popFirst() else { return nil }
                if expected == UInt8(ascii: "d") {
                    guard ASCIIText.isDigit(byte) else { return nil }
                    current = (current ?? 0) * 10 + Int(byte - UInt8(ascii: "0"))
                } else {
                    guard byte == expected else { return nil }
                    if let number = current { numbers.append(number) }
                    current = nil
                }
            }
            if let number = current { numbers.append(number) }
            return numbers
        }
        guard let fields = take("dddd-dd-ddTdd:dd:dd"), fields.count == 6 else { return nil }
        let (year, month, day, hour, minute, second) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])
        guard (1...12).contains(month), (1...daysIn(month: month, of: year)).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var nanoseconds = 0
        if rest.first == UInt8(ascii: ".") {
            rest.removeFirst()
            var digits = 0
            while let byte = rest.first, ASCIIText.isDigit(byte) {
                if digits < 9 { nanoseconds = nanoseconds * 10 + Int(byte - UInt8(ascii: "0")) }
                digits += 1
                rest.removeFirst()
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanoseconds *= 10 }
        }
        var offset = 0
        switch rest.popFirst() {
        case UInt8(ascii: "Z"):
            break
        case let sign where sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"):
            guard let parts = take("dd:dd"), parts[0] < 24, parts[1] < 60 else { return nil }
            offset = (parts[0] * 3600 + parts[1] * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        guard rest.isEmpty else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int(timegm(&parts)) - offset
        guard (Self.earliest...Self.latest).contains(seconds) else { return nil }
        // Near year 9999 a Double steps in tens of microseconds, so the fraction could round
        // the sum up into the next second (and the next year); it stays in its own second.
        let time = TimeInterval(seconds) + TimeInterval(nanoseconds) / 1_000_000_000
        return Date(timeIntervalSince1970: min(time, TimeInterval(seconds + 1).nextDown))
    }

    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years `format` writes in four digits.
    static let earliest = -62_167_219_200
    static let latest = 253_402_300_799

    private static func daysIn(month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func utc(_ seconds: time_t) -> tm {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
