import FiscalCore

/// The VAT groups of a SUMMARY or PERIODICAL document, derived from the invoices it references:
/// per rate (or exemption), `NumOfItems` is the number of referenced invoices containing it and
/// the amounts are the sums of their groups ([FS] 5.6–5.7: "SameTaxes and totals equal the sums
/// over the referenced invoices").
public enum ReferencedAmounts {
    /// The tax groups of a document referencing `invoices`, in the order their rates first appear.
    /// Issuers outside VAT get one group without rate holding the sum of the totals.
    public static func taxGroups(summing invoices: [Invoice]) -> [TaxGroup] {
        var order: [Key] = []
        var groups: [Key: TaxGroup] = [:]
        for invoice in invoices {
            let amounts = InvoiceCalculator.calculate(invoice)
            let parts: [(Key, ExactDecimal, ExactDecimal)] = invoice.issuerInVAT
                ? amounts.sameTaxes.map { (Key(rate: $0.exemption == nil ? $0.vatRate.normalized : nil, exemption: $0.exemption), $0.priceBeforeVAT, $0.vatAmount) }
                : [(Key(rate: nil, exemption: nil), amounts.totals.price, .zero)]
            for (key, base, vat) in parts {
                if groups[key] == nil { order.append(key) }
                var group = groups[key] ?? TaxGroup(count: 0, priceBeforeVAT: .zero, vatRate: key.rate, exemption: key.exemption, vatAmount: .zero)
                group.count += 1
                group.priceBeforeVAT = group.priceBeforeVAT + base
                group.vatAmount = group.vatAmount + vat
                groups[key] = group
            }
        }
        return order.compactMap { groups[$0] }
    }

    private struct Key: Hashable {
        let rate: ExactDecimal?
        let exemption: VATExemption?
    }
}
