import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import MontenegroFiscal
import Testing

/// A SUMMARY of ORDER invoices this connector issued needs only their IICs: issue times, amounts
/// and the VAT groups come from the journal, and whatever the caller gives is checked against it.
@Suite struct SummaryFromJournalTests {
    static func order(_ reference: String) -> Data {
        Data("""
        {"reference": "\(reference)", "invoice_type": "NONCASH",
         "buyer": {"id_type": "TIN", "id": "87654321", "name": "Kupac DOO", "address": "Ulica 1", "town": "Podgorica", "country": "MNE"},
         "items": [{"name": "Espresso", "unit": "kom", "quantity": "2", "unit_price": "1.55", "vat_rate": "21"},
                   {"name": "Hljeb", "unit": "kom", "quantity": "3", "unit_price": "0.99", "vat_rate": "7"}],
         "payments": [{"type": "ORDER", "amount": "6.07"}]}
        """.utf8)
    }

    static func summary(_ reference: String, references: String, extra: String = "") -> Data {
        Data("""
        {"reference": "\(reference)", "invoice_type": "NONCASH", "kind": "SUMMARY",
         "buyer": {"id_type": "TIN", "id": "87654321", "name": "Kupac DOO", "address": "Ulica 1", "town": "Podgorica", "country": "MNE"},
         "references": \(references), "payments": [{"type": "ACCOUNT", "amount": "12.14"}] \(extra)}
        """.utf8)
    }

    @Test func aSummaryOfIssuedOrdersNeedsOnlyTheirIICs() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let first = await connector.fiscalize(json: Self.order("O-1"))
        let second = await connector.fiscalize(json: Self.order("O-2"))
        #expect(first.status == .fiscalized && second.status == .fiscalized, "\(first) \(second)")
        let iics = [first.iic ?? "", second.iic ?? ""]

        let summary = await connector.fiscalize(json: Self.summary("S-1", references: #"[{"iic": "\#(iics[0])"}, {"iic": "\#(iics[1].lowercased())"}]"#))
        #expect(summary.status == .fiscalized, "\(summary)")
        let stored = try #require(try await connector.journal.entry(reference: "S-1"))
        let invoice = try JSONDecoder().decode(Invoice.self, from: Data(stored.document.payload.utf8))
        // Each order: 21 % on 3.10 gross (base 2.56, VAT 0.54), 7 % on 2.97 gross (base 2.78, VAT 0.19).
        #expect(invoice.taxGroups == [
            TaxGroup(count: 2, priceBeforeVAT: ExactDecimal("5.12")!, vatRate: ExactDecimal(21), vatAmount: ExactDecimal("1.08")!),
            TaxGroup(count: 2, priceBeforeVAT: ExactDecimal("5.56")!, vatRate: ExactDecimal(7), vatAmount: ExactDecimal("0.38")!),
        ], "\(invoice.taxGroups)")
        #expect(invoice.references.map(\.amount) == [ExactDecimal("6.07")!, ExactDecimal("6.07")!])
        #expect(invoice.references.map(\.invoice.issuedAt.text) == [first.issuedAt, second.issuedAt])
        #expect(stored.document.total == "12.14")
        #expect(stored.document.requestXML.contains(#"<SameTax NumOfItems="2" PriceBefVAT="5.12" VATAmt="1.08" VATRate="21.00"></SameTax>"#), "\(stored.document.requestXML)")
    }

    @Test func givenAmountsAreCheckedAgainstTheJournal() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let order = await connector.fiscalize(json: Self.order("O-1"))
        let other = await connector.fiscalize(json: Self.order("O-2"))
        let iic = order.iic ?? "", otherIIC = other.iic ?? ""
        let both = #"[{"iic": "\#(iic)"}, {"iic": "\#(otherIIC)"}]"#

        let wrongAmount = await connector.fiscalize(json: Self.summary("S-1", references: #"[{"iic": "\#(iic)", "amount": "6.00"}, {"iic": "\#(otherIIC)"}]"#))
        #expect(wrongAmount.status == .rejected && wrongAmount.error?.field == "references[0].amount", "\(wrongAmount)")
        #expect(wrongAmount.error?.message.contains("6.00 is not the total of the invoice O-1 (6.07)") == true, "\(wrongAmount)")

        let wrongTime = await connector.fiscalize(json: Self.summary("S-2", references: #"[{"iic": "\#(iic)", "issued_at": "2026-01-01T10:00:00+01:00"}, {"iic": "\#(otherIIC)"}]"#))
        #expect(wrongTime.error?.field == "references[0].issued_at" && wrongTime.error?.issues?.first?.code == "referenceMismatch", "\(wrongTime)")

        let groups = #", "tax_groups": [{"count": 2, "price_before_vat": "5.12", "vat_rate": "21", "vat_amount": "1.08"}, {"count": 2, "price_before_vat": "5.57", "vat_rate": "7", "vat_amount": "0.37"}]"#
        let wrongGroups = await connector.fiscalize(json: Self.summary("S-3", references: both, extra: groups))
        #expect(wrongGroups.error?.field == "tax_groups", "\(wrongGroups)")
        #expect(wrongGroups.error?.message.contains("the 7% group is 2 invoice(s), base 5.57, VAT 0.37, but the referenced invoices sum to 2 invoice(s), base 5.56, VAT 0.38") == true, "\(wrongGroups)")

        let rightGroups = groups.replacingOccurrences(of: "5.57", with: "5.56").replacingOccurrences(of: "0.37", with: "0.38")
        let accepted = await connector.fiscalize(json: Self.summary("S-4", references: both, extra: rightGroups))
        #expect(accepted.status == .fiscalized && accepted.ordinal == 3, "refusals used no ordinal: \(accepted)")
    }

    @Test func onlyOrderInvoicesAreSummedAndForeignOnesNeedTheirAmounts() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let paid = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "P-1", cash: false, amount: "6.07"))
        let notAnOrder = await connector.fiscalize(json: Self.summary("S-1", references: #"[{"iic": "\#(paid.iic ?? "")"}, {"iic": "\#(paid.iic ?? "")"}]"#))
        #expect(notAnOrder.error?.field == "references[0].iic" && notAnOrder.error?.message.contains("was not an ORDER invoice (paid by ACCOUNT)") == true, "\(notAnOrder)")

        let foreign = String(repeating: "AB", count: 16)
        let unknown = await connector.fiscalize(json: Self.summary("S-2", references: #"[{"iic": "\#(foreign)"}]"#))
        #expect(unknown.status == .rejected, "\(unknown)")
        let fields = Set(unknown.error?.issues?.map(\.field) ?? [])
        #expect(fields == ["references[0].issued_at", "references[0].amount"], "\(fields)")
        #expect(unknown.error?.message.contains("was not issued by this connector") == true, "\(unknown)")
        #expect(try await connector.journal.entries().count == 1, "only P-1 was issued")
    }
}
