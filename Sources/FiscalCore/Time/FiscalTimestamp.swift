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
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let whole = Date(timeIntervalSince1970: TimeInterval(seconds))
        let offset = timeZone.secondsFromGMT(for: whole)
        let local = CivilTime(secondsSince1970: seconds + offset)
        let sign = offset < 0 ? "-" : "+"
        let absolute = abs(offset)
        self.date = whole
        self.text = Self.pad(local.year, 4) + "-" + Self.pad(local.month, 2) + "-" + Self.pad(local.day, 2) + "T"
            + Self.pad(local.hour, 2) + ":" + Self.pad(local.minute, 2) + ":" + Self.pad(local.second, 2)
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
        guard FiscalDate(year: year, month: month, day: day) != nil else { return nil }
        let local = CivilTime.daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        let date = Date(timeIntervalSince1970: TimeInterval(local - offset))
        self.date = date
        self.text = text
    }

    /// The first second of a Montenegrin calendar day.
    public static func startOfDay(_ day: FiscalDate) -> Date {
        let local = CivilTime.daysSince1970(year: day.year, month: day.month, day: day.day) * 86_400
        // The offset in force at local midnight: guess with the offset at the same wall-clock time in
        // UTC, then take the offset at the guessed instant (clock changes are at 01:00 UTC, never at
        // local midnight, so the second step always lands on midnight's own offset).
        let guess = TimeInterval(local - montenegro.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local))))
        return Date(timeIntervalSince1970: TimeInterval(local) - TimeInterval(montenegro.secondsFromGMT(for: Date(timeIntervalSince1970: guess))))
    }

    /// The calendar year in Montenegro at this moment (decides the invoice number's year).
    public var montenegroYear: Int {
        let seconds = Int(date.timeIntervalSince1970)
        return CivilTime(secondsSince1970: seconds + Self.montenegro.secondsFromGMT(for: date)).year
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
        let local = CivilTime(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: date))
        self.year = local.year
        self.month = local.month
        self.day = local.day
    }

    public var description: String {
        FiscalTimestamp.pad(year, 4) + "-" + FiscalTimestamp.pad(month, 2) + "-" + FiscalTimestamp.pad(day, 2)
    }

    /// Whole days from this date to `other` (negative when `other` is earlier).
    public func days(until other: FiscalDate) -> Int {
        CivilTime.daysSince1970(year: other.year, month: other.month, day: other.day) - CivilTime.daysSince1970(year: year, month: month, day: day)
    }

    /// The date `count` days later (earlier when negative).
    public func adding(days count: Int) -> FiscalDate {
        let civil = CivilTime(secondsSince1970: (CivilTime.daysSince1970(year: year, month: month, day: day) + count) * 86_400)
        return FiscalDate(year: civil.year, month: civil.month, day: civil.day)!
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

/// Proleptic Gregorian calendar arithmetic on seconds since 1970 (H. Hinnant's civil algorithms),
/// without Foundation's Calendar, which is slow to create.
struct CivilTime {
    let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    init(secondsSince1970 total: Int) {
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let rest = total - days * 86_400
        hour = rest / 3600
        minute = (rest % 3600) / 60
        second = rest % 60
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
