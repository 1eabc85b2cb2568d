public import Foundation

/// ISO 8601 timestamps in UTC (`2026-11-21T09:15:00Z`) for journal records and reports.
/// Uses the Sendable format style: creating an `ISO8601DateFormatter` per call is slow.
public enum ISOTime {
    private static let style = Date.ISO8601FormatStyle()

    /// `2026-11-21T09:15:00Z`.
    public static func string(_ date: Date) -> String { style.format(date) }

    /// Parses what ``string(_:)`` writes; nil otherwise.
    public static func date(_ text: String) -> Date? { try? style.parse(text) }
}
