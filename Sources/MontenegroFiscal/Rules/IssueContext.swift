import FiscalCore
public import Foundation

/// What a new invoice is checked against besides its own content: the time it is issued at, the
/// VAT rates in force and the signing certificate's validity.
///
/// Only for issuing: a document already journaled is delivered again as it was issued, so
/// redelivery never checks it against a later clock or table.
public struct IssueContext: Sendable, Hashable {
    /// The legal window for late delivery: an invoice issued without FIC must be fiscalized within
    /// 48 hours of its issue time ([FS] 3.2, 3.6.1), so an issue time further back can no longer
    /// be delivered on time.
    public static let lateDeliveryHours = 48
    /// How far ahead of this machine's clock an issue time may be: the till's clock and the
    /// connector's may disagree by a little (two machines, NTP not yet in step), but the tax
    /// authority refuses times in the future (error 2), so only a few minutes are forgiven.
    public static let clockSkewAllowance: TimeInterval = 5 * 60

    /// The current time.
    public var now: Date
    /// The VAT rates by period.
    public var vatRates: VATRateTable
    /// When the signing certificate became valid: nothing can be signed as issued before.
    public var certificateValidFrom: Date?

    /// Creates a context.
    public init(now: Date, vatRates: VATRateTable = .montenegro, certificateValidFrom: Date? = nil) {
        self.now = now
        self.vatRates = vatRates
        self.certificateValidFrom = certificateValidFrom
    }

    /// The earliest and latest issue times allowed now.
    public var window: ClosedRange<Date> {
        var earliest = now.addingTimeInterval(-Double(Self.lateDeliveryHours) * 3600)
        if let certificateValidFrom, certificateValidFrom > earliest { earliest = certificateValidFrom }
        return earliest...max(earliest, now.addingTimeInterval(Self.clockSkewAllowance))
    }
}
