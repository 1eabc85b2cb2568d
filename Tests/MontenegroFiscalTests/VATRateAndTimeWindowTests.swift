import FiscalCore
import FiscalTesting
import Foundation
import MontenegroFiscal
import Testing

/// A new invoice carries only VAT rates in force on its issue day, and an issue time within the
/// window the law allows for late delivery.
@Suite struct VATRateAndTimeWindowTests {
    /// Issued now, at the samples' issue time (2026-11-21T10:15:00+01:00).
    static let now = SampleInvoices.issuedAt.date

    func issues(_ invoice: Invoice, now: Date = Self.now, rates: VATRateTable = .montenegro, certificateFrom: Date? = nil) -> [ValidationIssue] {
        InvoiceValidator.issues(in: invoice, certificateTIN: TIN("12345678"), issuing: IssueContext(now: now, vatRates: rates, certificateValidFrom: certificateFrom))
    }

    func sample(_ name: String) -> Invoice {
        SampleInvoices.allKinds().first { $0.name == name }!.invoice
    }

    func issued(at text: String, _ change: (inout Invoice) -> Void = { _ in }) -> Invoice {
        var invoice = SampleInvoices.cash()
        invoice.issuedAt = FiscalTimestamp(text)!
        change(&invoice)
        return invoice
    }

    @Test func everySampleIsValidWhenIssuedNow() {
        for (name, invoice) in SampleInvoices.allKinds() {
            #expect(issues(invoice).isEmpty, "\(name): \(issues(invoice))")
        }
    }

    @Test(arguments: ["20", "22", "99", "33.33", "0.01"])
    func ratesOutsideTheLawAreRefusedOnItems(_ rate: String) throws {
        var invoice = SampleInvoices.cash()
        invoice.items[1].vatRate = dec(rate)
        let found = issues(invoice)
        let issue = try #require(found.first { $0.field == "items[1].vat_rate" })
        #expect(issue.code == .vatRateNotInForce)
        #expect(issue.description == "items[1].vat_rate: \(rate) is not a VAT rate in force on 2026-11-21 (rates: 21, 15, 7, 0): use one of these, or an exemption; if the law has changed, set [vat] in connector.toml")
        #expect(!found.contains { $0.field == "items[0].vat_rate" })
    }

    @Test func ratesOutsideTheLawAreRefusedInTaxGroupsAndApprovals() {
        var summary = sample("SUMMARY")
        summary.taxGroups[0].vatRate = 20
        summary.taxGroups[0].vatAmount = dec("20.00")
        #expect(issues(summary).map(\.field) == ["tax_groups[0].vat_rate"])
        var creditNote = sample("CREDIT_NOTE")
        creditNote.approvals[0].vatRate = 22
        #expect(issues(creditNote).map(\.field) == ["approvals[0].vat_rate"])
        #expect(issues(creditNote).allSatisfy { $0.code == .vatRateNotInForce })
    }

    @Test func fifteenPercentIsInForceFrom2025() {
        let lastDayWithout = issued(at: "2024-12-31T23:30:00+01:00") { $0.items[0].vatRate = 15 }
        let refused = issues(lastDayWithout, now: lastDayWithout.issuedAt.date)
        #expect(refused.map(\.field) == ["items[0].vat_rate"])
        #expect(refused.first?.message.contains("in force on 2024-12-31 (rates: 21, 7, 0)") == true)
        let firstDayWith = issued(at: "2025-01-01T00:10:00+01:00") { $0.items[0].vatRate = 15 }
        #expect(issues(firstDayWith, now: firstDayWith.issuedAt.date).isEmpty)
    }

    @Test func aTableFromTheConfigurationAppliesOnItsDays() {
        let table = VATRateTable.montenegro.overridden(by: .init(rates: [21, 15, 10, 7, 0], validFrom: FiscalDate("2026-11-21"), validTo: FiscalDate("2026-11-21")))
        let ten = issued(at: "2026-11-21T10:15:00+01:00") { $0.items[0].vatRate = 10 }
        #expect(issues(ten, rates: table).isEmpty)
        #expect(issues(ten).map(\.code) == [.vatRateNotInForce], "not in the built-in table")
        let nextDay = issued(at: "2026-11-22T10:15:00+01:00") { $0.items[0].vatRate = 10 }
        #expect(issues(nextDay, now: nextDay.issuedAt.date, rates: table).first?.message.contains("(rates: 21, 15, 7, 0)") == true)
    }

    @Test func aCorrectionMayUseTheRatesOfTheDayOfTheInvoiceItCorrects() {
        // 21 % ends on 2026-11-01 in this table: a correction of an October invoice still carries it.
        let table = VATRateTable(periods: [.init(rates: [21, 7, 0], validTo: FiscalDate("2026-10-31")), .init(rates: [22, 7, 0], validFrom: FiscalDate("2026-11-01"))])
        var corrective = sample("CORRECTIVE")
        corrective.correction?.original.issuedAt = FiscalTimestamp("2026-10-20T12:00:00+02:00")!
        #expect(issues(corrective, rates: table).isEmpty)
        corrective.correction?.original.issuedAt = FiscalTimestamp("2026-11-20T12:00:00+01:00")!
        let refused = issues(corrective, rates: table)
        #expect(refused.map(\.field) == ["items[0].vat_rate"])
        #expect(refused.first?.message.contains("in force on 2026-11-21 or on 2026-11-20 (the corrected invoice's day) (rates: 22, 7, 0)") == true)
        #expect(issues(sample("cash INVOICE"), rates: table).map(\.field) == ["items[0].vat_rate", "items[1].vat_rate"])
    }

    @Test(arguments: [
        ("2020-01-01T10:00:00+01:00", "an invoice is fiscalized within 48 hours"),
        ("2036-01-01T10:00:00+01:00", "ahead of this machine's clock"),
        ("2026-11-07T10:15:00+01:00", "an invoice is fiscalized within 48 hours"),
        ("2026-11-19T10:14:59+01:00", "an invoice is fiscalized within 48 hours"),
        ("2026-11-21T10:20:01+01:00", "ahead of this machine's clock"),
        ("2026-11-21T09:20:01Z", "ahead of this machine's clock"),
    ])
    func issueTimesOutsideTheWindowAreRefused(_ time: String, _ reason: String) throws {
        let found = issues(issued(at: time))
        let issue = try #require(found.first { $0.field == "issued_at" })
        #expect(issue.code == .outsideIssueWindow)
        #expect(issue.description.hasPrefix("issued_at: \(time) is outside the allowed window 2026-11-19T10:15:00+01:00 … 2026-11-21T10:20:00+01:00: "), "\(issue)")
        #expect(issue.message.contains(reason))
    }

    @Test(arguments: ["2026-11-19T10:15:00+01:00", "2026-11-20T18:00:00+01:00", "2026-11-21T10:15:00+01:00", "2026-11-21T10:20:00+01:00", "2026-11-21T09:20:00Z"])
    func theEdgesOfTheWindowAreAllowed(_ time: String) {
        #expect(issues(issued(at: time)).isEmpty)
    }

    @Test func nothingIsSignedAsIssuedBeforeTheCertificateIsValid() throws {
        let start = Self.now.addingTimeInterval(-3600)
        let found = issues(issued(at: "2026-11-21T09:14:59+01:00"), certificateFrom: start)
        let issue = try #require(found.first)
        #expect(issue.field == "issued_at" && issue.code == .outsideIssueWindow)
        #expect(issue.message.contains("allowed window 2026-11-21T09:15:00+01:00 … 2026-11-21T10:20:00+01:00"))
        #expect(issue.message.contains("the signing certificate is valid only from 2026-11-21T09:15:00+01:00"))
        #expect(issues(issued(at: "2026-11-21T09:15:00+01:00"), certificateFrom: start).isEmpty)
    }

    @Test func withoutAnIssueContextNeitherTimeNorRatesAreChecked() {
        // Redelivery signs the journaled invoice again: it was valid when issued.
        let old = issued(at: "2020-01-01T10:00:00+01:00") { $0.items[0].vatRate = 20 }
        #expect(InvoiceValidator.issues(in: old, certificateTIN: TIN("12345678")).isEmpty)
    }
}
