import FiscalCore
import Foundation
import Testing

@Suite struct IdentifierTests {
    @Test func tins() {
        #expect(TIN("12345678") != nil)
        #expect(TIN("1234567890123") != nil)
        for bad in ["1234567", "123456789", "1234567a", "", "12 345678", "１２３４５６７８"] {
            #expect(TIN(bad) == nil, "\(bad)")
        }
    }

    @Test func registrationCodes() {
        #expect(RegistrationCode("ab123cd456") != nil)
        for bad in ["AB123cd456", "ab123cd45", "ab123cd4567", "a1123cd456", "ab12xcd456", ""] {
            #expect(RegistrationCode(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct FiscalTimestampTests {
    @Test func writesMontenegroOffsetsAcrossDaylightSaving() {
        // 2026-01-15 12:00 UTC is winter (+01:00); 2026-07-15 12:00 UTC is summer (+02:00).
        let winter = FiscalTimestamp(Date(timeIntervalSince1970: 1_768_478_400))
        let summer = FiscalTimestamp(Date(timeIntervalSince1970: 1_784_116_800))
        #expect(winter.text == "2026-01-15T13:00:00+01:00")
        #expect(summer.text == "2026-07-15T14:00:00+02:00")
    }

    @Test func truncatesToWholeSeconds() {
        let t = FiscalTimestamp(Date(timeIntervalSince1970: 1_768_478_400.987))
        #expect(t.text.hasSuffix(":00+01:00"))
    }

    @Test func parsesTheSchemaForm() throws {
        let t = try #require(FiscalTimestamp("2019-06-12T17:05:43+02:00"))
        #expect(t.date == Date(timeIntervalSince1970: 1_560_351_943))
        #expect(t.text == "2019-06-12T17:05:43+02:00")
        #expect(FiscalTimestamp("2019-06-12T15:05:43Z")?.date == t.date)
    }

    @Test(arguments: ["2019-06-12T17:05:43", "2019-06-12T17:05:43.123+02:00", "2019-06-12 17:05:43+02:00", "2019-02-30T10:00:00+01:00", "2019-13-01T10:00:00+01:00", "2019-06-12T24:00:00Z", "2019-06-12T17:05:43+0200"])
    func rejectsOtherForms(_ text: String) {
        #expect(FiscalTimestamp(text) == nil)
    }

    @Test(arguments: [
        ("2026-03-29", "2026-03-28T23:00:00Z"), // clocks go forward at 02:00 local
        ("2026-10-25", "2026-10-24T22:00:00Z"), // clocks go back at 03:00 local
        ("2026-03-28", "2026-03-27T23:00:00Z"), ("2026-03-30", "2026-03-29T22:00:00Z"),
        ("2026-10-26", "2026-10-25T23:00:00Z"), ("2026-07-01", "2026-06-30T22:00:00Z"),
    ])
    func startOfDayIsLocalMidnightAlsoOnClockChangeDays(day: String, utc: String) throws {
        let start = FiscalTimestamp.startOfDay(try #require(FiscalDate(day)))
        #expect(start == ISOTime.date(utc), "\(day) starts at \(ISOTime.string(start))")
        #expect(FiscalDate(start).description == day)
        #expect(FiscalDate(start.addingTimeInterval(-1)).description != day)
    }

    @Test func yearIsMontenegrosAtNewYear() throws {
        // 23:30 UTC on 31 December is already 00:30 on 1 January in Podgorica.
        let t = try #require(FiscalTimestamp("2026-12-31T23:30:00Z"))
        #expect(t.montenegroYear == 2027)
        #expect(FiscalTimestamp(t.date).text == "2027-01-01T00:30:00+01:00")
        #expect(FiscalDate(t.date).description == "2027-01-01")
    }

    @Test func dates() {
        #expect(FiscalDate("2024-02-29") != nil)
        #expect(FiscalDate("2026-02-29") == nil)
        #expect(FiscalDate("2026-1-01") == nil)
        #expect(FiscalDate("2026-01-02")! < FiscalDate("2026-01-10")!)
    }
}
