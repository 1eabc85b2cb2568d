import FiscalCore

/// Derives line amounts, VAT groups and totals from an invoice, exactly.
///
/// The rounding policy (half away from zero; the specification rounds to cents only after grouping,
/// with a tolerance of 0.01 per group):
/// - **Lines keep 4 decimals**, all of them (`UPB`, `UPA`, `PB`, `VA`, `PA`), computed from the price
///   the issuer entered. Gross prices (`pricesIncludeVAT`, `RR = false`): `PA = round4(Q × P × (1 − R/100))`,
///   `VA = round4(PA × VR / (100 + VR))`, `PB = PA − VA`, `UPB = round4(P × 100 / (100 + VR))`.
///   Net prices (`RR = true`): `PB = round4(Q × P × (1 − R/100))`, `VA = round4(PB × VR / 100)`,
///   `PA = PB + VA`, `UPB = P`. Always `UPA = round4(PA / Q)`.
/// - **Each VAT group is rounded once, to cents, from its exact sums**: with gross prices the group's
///   gross `G = round2(Σ PA)`, `VATAmt = round2(Σ PA × VR / (100 + VR))`, `PriceBefVAT = G − VATAmt`;
///   with net prices `PriceBefVAT = round2(Σ PB)`, `VATAmt = round2(Σ PB × VR / 100)`.
/// - **Totals are sums of the rounded groups**: `TotPriceWoVAT = Σ PriceBefVAT`, `TotVATAmt = Σ VATAmt`,
///   `TotPrice = TotPriceWoVAT + TotVATAmt`; with gross prices of at most two decimals this is exactly
///   the sum of the line prices the customer sees.
/// - Issuers outside VAT: no VAT anywhere, `PA = PB`, `TotPrice = round2(Σ PA) = TaxFreeAmt`.
/// - Exempt lines of a VAT issuer carry `VR = 0`, `VA = 0` and `EX`; their groups' bases add up to `TaxFreeAmt`.
/// - Documents without items take their groups from ``Invoice/taxGroups``.
public enum InvoiceCalculator {
    /// Computes the amounts. Call after ``InvoiceValidator`` has accepted the input fields.
    public static func calculate(_ invoice: Invoice) -> InvoiceAmounts {
        if invoice.items.isEmpty {
            return fromGroups(invoice)
        }
        let lines = invoice.items.map { line($0, issuerInVAT: invoice.issuerInVAT, gross: invoice.pricesIncludeVAT) }
        guard invoice.issuerInVAT else {
            let price = lines.map(\.price).sum().rounded(2)
            return InvoiceAmounts(lines: lines, sameTaxes: [], totals: InvoiceTotals(priceWithoutVAT: price, vatAmount: nil, price: price, taxFreeAmount: price))
        }
        var order: [GroupKey] = []
        var groups: [GroupKey: (count: Int, base: ExactDecimal, price: ExactDecimal)] = [:]
        for line in lines {
            let key = GroupKey(rate: (line.vatRate ?? .zero).normalized, exemption: line.item.exemption)
            if groups[key] == nil { order.append(key) }
            let current = groups[key] ?? (0, .zero, .zero)
            groups[key] = (current.count + 1, current.base + line.priceBeforeVAT, current.price + line.price)
        }
        let hundred = ExactDecimal(100)
        let sameTaxes = order.map { key in
            let group = groups[key]!
            let base: ExactDecimal, vat: ExactDecimal
            if invoice.pricesIncludeVAT {
                vat = (group.price * key.rate).divided(by: hundred + key.rate, decimals: 2)
                base = group.price.rounded(2) - vat
            } else {
                base = group.base.rounded(2)
                vat = (group.base * key.rate).divided(by: hundred, decimals: 2)
            }
            return SameTax(count: group.count, priceBeforeVAT: base, vatRate: key.rate, exemption: key.exemption, vatAmount: vat)
        }
        return InvoiceAmounts(lines: lines, sameTaxes: sameTaxes, totals: totals(sameTaxes))
    }

    /// Computes one line (4 decimals).
    public static func line(_ item: InvoiceItem, issuerInVAT: Bool, gross: Bool) -> CalculatedLine {
        let hundred = ExactDecimal(100)
        let quantity = item.quantity.normalized, unitPrice = item.unitPrice.normalized
        let rebate = (item.rebatePercent ?? .zero).normalized
        let factor = (hundred - rebate) * ExactDecimal(significand: 1, scale: 2) // (100 − R) / 100, exact
        let extended = (quantity * unitPrice * factor).rounded(4)
        let hasRebate = !rebate.isZero
        guard issuerInVAT else {
            return CalculatedLine(
                item: item, unitPriceBeforeVAT: unitPrice.rounded(4), unitPriceAfterVAT: unitPriceAfter(extended, quantity, fallback: unitPrice * factor),
                priceBeforeVAT: extended, vatRate: nil, vatAmount: nil, price: extended, rebateReducesBase: hasRebate ? !gross : nil
            )
        }
        let rate = item.exemption == nil ? (item.vatRate ?? .zero).normalized : .zero
        let base: ExactDecimal, vat: ExactDecimal, total: ExactDecimal, unitNet: ExactDecimal
        if gross {
            total = extended
            vat = (total * rate).divided(by: hundred + rate, decimals: 4)
            base = total - vat
            unitNet = (unitPrice * hundred).divided(by: hundred + rate, decimals: 4)
        } else {
            base = extended
            vat = (base * rate).divided(by: hundred, decimals: 4)
            total = base + vat
            unitNet = unitPrice.rounded(4)
        }
        let unitGross = (unitPrice * factor * (hundred + rate)).divided(by: hundred, decimals: 4)
        return CalculatedLine(
            item: item, unitPriceBeforeVAT: unitNet, unitPriceAfterVAT: unitPriceAfter(total, quantity, fallback: unitGross),
            priceBeforeVAT: base, vatRate: rate, vatAmount: vat, price: total, rebateReducesBase: hasRebate ? !gross : nil
        )
    }

    private static func unitPriceAfter(_ total: ExactDecimal, _ quantity: ExactDecimal, fallback: ExactDecimal) -> ExactDecimal {
        quantity.isZero ? fallback.rounded(4) : total.divided(by: quantity, decimals: 4)
    }

    private static func totals(_ sameTaxes: [SameTax]) -> InvoiceTotals {
        let base = sameTaxes.map(\.priceBeforeVAT).sum()
        let vat = sameTaxes.map(\.vatAmount).sum()
        let exempt = sameTaxes.filter { $0.exemption != nil }
        return InvoiceTotals(priceWithoutVAT: base, vatAmount: vat, price: base + vat,
                             taxFreeAmount: exempt.isEmpty ? nil : exempt.map(\.priceBeforeVAT).sum())
    }

    private static func fromGroups(_ invoice: Invoice) -> InvoiceAmounts {
        let groups = invoice.taxGroups
        if !invoice.issuerInVAT {
            let base = groups.map(\.priceBeforeVAT).sum()
            return InvoiceAmounts(lines: [], sameTaxes: [], totals: InvoiceTotals(priceWithoutVAT: base, vatAmount: nil, price: base, taxFreeAmount: base))
        }
        let sameTaxes = groups.map {
            SameTax(count: $0.count, priceBeforeVAT: $0.priceBeforeVAT, vatRate: $0.exemption == nil ? ($0.vatRate ?? .zero) : .zero, exemption: $0.exemption, vatAmount: $0.vatAmount)
        }
        return InvoiceAmounts(lines: [], sameTaxes: sameTaxes, totals: totals(sameTaxes))
    }

    private struct GroupKey: Hashable {
        let rate: ExactDecimal
        let exemption: VATExemption?
    }
}
