public import Foundation

/// A moment as the tax authority's schema writes it: `2026-11-21T10:15:00+01:00`, whole seconds
/// and an explicit offset (or `Z`).
///
/// The text is kept exactly as it will appear in the XML, because the IIC is computed over the
/// very same characters.
public struct FiscalTimestamp: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The moment.
    public let date: Date
    /// The schema text, e.g. `2026-11-21T10:15:00+01:00`.
    public let text: String

    /// The time zone whose calendar decides the business day and year: Europe/Podgorica.
    public static let montenegro: TimeZone = TimeZone(identifier: "Europe/Podgorica")!

    /// Writes `date` (truncated to whole seconds) with the UTC offset `timeZone` has at that moment.
    public init(_ date: Date, in timeZone: TimeZone = FiscalTimestamp.montenegro) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let whole = Date(timeIntervalSince1970: seconds)
        let offset = timeZone.secondsFromGMT(for: whole)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
        let sign = offset < 0 ? "-" : "+"
        let absolute = abs(offset)
        self.date = whole
        self.text = Self.pad(c.year!, 4) + "-" + Self.pad(c.month!, 2) + "-" + Self.pad(c.day!, 2) + "T"
            + Self.pad(c.hour!, 2) + ":" + Self.pad(c.minute!, 2) + ":" + Self.pad(c.second!, 2)
            + sign + Self.pad(absolute / 3600, 2) + ":" + Self.pad((absolute % 3600) / 60, 2)
    }

    /// Parses the schema form `YYYY-MM-DDThh:mm:ss(+hh:mm|-hh:mm|Z)`; `nil` for anything else,
    /// including fractional seconds and a missing offset.
    public init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count == 20 || b.count == 25 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var offset = 0
        if b.count == 20 {
            guard b[19] == 90 else { return nil }
        } else {
            guard b[19] == 43 || b[19] == 45, b[22] == 58,
                  let oh = number(20..<22), let om = number(23..<25), oh <= 14, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (b[19] == 45 ? -1 : 1)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset)!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components),
              calendar.dateComponents([.day], from: date).day == day else { return nil }
        self.date = date
        self.text = text
    }

    /// The calendar year in Montenegro at this moment (decides the invoice number's year).
    public var montenegroYear: Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.montenegro
        return calendar.component(.year, from: date)
    }

    public var description: String { text }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = FiscalTimestamp(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a date-time with offset such as 2026-11-21T10:15:00+01:00")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// A calendar date as the schema writes it: `YYYY-MM-DD`.
public struct FiscalDate: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Year, month and day.
    public let year: Int, month: Int, day: Int

    /// Parses `YYYY-MM-DD`, checking the day exists.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Creates a date, `nil` if it does not exist in the Gregorian calendar.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= lengths[month - 1] else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The Montenegrin calendar day of a moment.
    public init(_ date: Date, in timeZone: TimeZone = FiscalTimestamp.montenegro) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        self.year = c.year!
        self.month = c.month!
        self.day = c.day!
    }

    public var description: String {
        FiscalTimestamp.pad(year, 4) + "-" + FiscalTimestamp.pad(month, 2) + "-" + FiscalTimestamp.pad(day, 2)
    }

    public static func < (lhs: FiscalDate, rhs: FiscalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = FiscalDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a date such as 2026-11-21")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
