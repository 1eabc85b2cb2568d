public import FiscalCore

/// The VAT rates in force, by period of validity: Montenegro's built-in table, or one with a
/// period from `connector.toml` (`[vat]`) laid over it.
///
/// The schema takes any decimal as `VATRate`, and the tax authority finds a wrong rate only in its
/// nightly post-checks, after the receipt was handed out; so a rate is checked here, against the
/// day the invoice is issued.
public struct VATRateTable: Sendable, Hashable {
    /// Rates in force from `validFrom` to `validTo`, both days included (Montenegrin calendar days).
    public struct Period: Sendable, Hashable {
        /// The rates, in percent.
        public var rates: [ExactDecimal]
        /// The first day; `nil`: from any day.
        public var validFrom: FiscalDate?
        /// The last day; `nil`: until further notice.
        public var validTo: FiscalDate?

        /// Creates a period.
        public init(rates: [ExactDecimal], validFrom: FiscalDate? = nil, validTo: FiscalDate? = nil) {
            self.rates = rates
            self.validFrom = validFrom
            self.validTo = validTo
        }

        /// Whether `day` lies in the period.
        public func covers(_ day: FiscalDate) -> Bool {
            (validFrom.map { $0 <= day } ?? true) && (validTo.map { day <= $0 } ?? true)
        }
    }

    /// The periods; on a day several cover, the last one listed applies.
    public var periods: [Period]

    /// Creates a table.
    public init(periods: [Period]) {
        self.periods = periods
    }

    /// Montenegro's rates under the VAT law: 21 % standard since 1 January 2018 (before: 19 %),
    /// 7 % reduced and 0 %, and since 1 January 2025 also 15 % (Official Gazette 94/2024).
    /// When the law changes before the connector does, `[vat]` in `connector.toml` overrides this.
    public static let montenegro = VATRateTable(periods: [
        Period(rates: [21, 7, 0], validFrom: FiscalDate(year: 2018, month: 1, day: 1)),
        Period(rates: [21, 15, 7, 0], validFrom: FiscalDate(year: 2025, month: 1, day: 1)),
    ])

    /// The rates in force on `day` (empty when no period covers it).
    public func rates(on day: FiscalDate) -> [ExactDecimal] {
        periods.last { $0.covers(day) }?.rates ?? []
    }

    /// This table with `period` taking precedence on the days it covers.
    public func overridden(by period: Period) -> VATRateTable {
        VATRateTable(periods: periods + [period])
    }
}
