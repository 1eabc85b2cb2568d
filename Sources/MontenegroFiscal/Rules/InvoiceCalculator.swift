import FiscalCore

/// Derives line amounts, VAT groups and totals from an invoice, exactly.
///
/// The rounding policy (one rule, applied once per amount, half away from zero):
/// - **Line totals are rounded to cents** from exact products, starting from the price the issuer
///   entered. Gross prices (`pricesIncludeVAT`): `PA = round2(Q × price × (1 − R/100))`,
///   `VA = round2(PA × VR / (100 + VR))`, `PB = PA − VA`, and `RR = false` (the calculation
///   starts from the discounted gross price). Net prices: `PB = round2(Q × price × (1 − R/100))`,
///   `VA = round2(PB × VR / 100)`, `PA = PB + VA`, and `RR = true`.
/// - **Unit prices keep 4 decimals**: `UPB` is the net unit price (`round4(price × 100 / (100 + VR))`
///   for gross input), `UPA = round4(PA / Q)`.
/// - **Groups and totals are exact sums** of the rounded lines, so `TotPrice = Σ PA`,
///   `TotPriceWoVAT = Σ PB`, `TotVATAmt = Σ VA` hold to the cent and the printed receipt adds up.
/// - Issuers outside VAT: no VAT anywhere, `PA = PB`, `TaxFreeAmt = TotPrice`.
/// - Exempt lines of a VAT issuer carry `VR = 0`, `VA = 0` and `EX`; their bases add up to `TaxFreeAmt`.
/// - Documents without items take their groups from ``Invoice/taxGroups``.
public enum InvoiceCalculator {
    /// Computes the amounts. Call after ``InvoiceValidator`` has accepted the input fields.
    public static func calculate(_ invoice: Invoice) -> InvoiceAmounts {
        if invoice.items.isEmpty {
            return fromGroups(invoice)
        }
        let lines = invoice.items.map { line($0, issuerInVAT: invoice.issuerInVAT, gross: invoice.pricesIncludeVAT) }
        var sameTaxes: [SameTax] = []
        if invoice.issuerInVAT {
            var order: [GroupKey] = []
            var groups: [GroupKey: (count: Int, base: ExactDecimal, vat: ExactDecimal)] = [:]
            for line in lines {
                let key = GroupKey(rate: (line.vatRate ?? .zero).normalized, exemption: line.item.exemption)
                if groups[key] == nil { order.append(key) }
                let current = groups[key] ?? (0, .zero, .zero)
                groups[key] = (current.count + 1, current.base + line.priceBeforeVAT, current.vat + (line.vatAmount ?? .zero))
            }
            sameTaxes = order.map { key in
                let group = groups[key]!
                return SameTax(count: group.count, priceBeforeVAT: group.base, vatRate: key.rate, exemption: key.exemption, vatAmount: group.vat)
            }
        }
        let base = lines.map(\.priceBeforeVAT).sum()
        let price = lines.map(\.price).sum()
        let vat: ExactDecimal? = invoice.issuerInVAT ? lines.compactMap(\.vatAmount).sum() : nil
        let taxFree: ExactDecimal?
        if invoice.issuerInVAT {
            let exempt = lines.filter { $0.item.exemption != nil }
            taxFree = exempt.isEmpty ? nil : exempt.map(\.priceBeforeVAT).sum()
        } else {
            taxFree = price
        }
        return InvoiceAmounts(
            lines: lines, sameTaxes: sameTaxes,
            totals: InvoiceTotals(priceWithoutVAT: base, vatAmount: vat, price: price, taxFreeAmount: taxFree)
        )
    }

    /// Computes one line.
    public static func line(_ item: InvoiceItem, issuerInVAT: Bool, gross: Bool) -> CalculatedLine {
        let hundred = ExactDecimal(100)
        let rebate = item.rebatePercent ?? .zero
        let factor = (hundred - rebate) * ExactDecimal(significand: 1, scale: 2) // (100 − R) / 100, exact
        let extended = item.quantity * item.unitPrice * factor
        let hasRebate = !rebate.isZero
        guard issuerInVAT else {
            let total = extended.rounded(2)
            return CalculatedLine(
                item: item, unitPriceBeforeVAT: item.unitPrice, unitPriceAfterVAT: unitPrice(total, item.quantity, fallback: item.unitPrice * factor),
                priceBeforeVAT: total, vatRate: nil, vatAmount: nil, price: total, rebateReducesBase: hasRebate ? !gross : nil
            )
        }
        let rate = item.exemption == nil ? (item.vatRate ?? .zero) : .zero
        let base: ExactDecimal, vat: ExactDecimal, total: ExactDecimal, unitNet: ExactDecimal
        if gross {
            total = extended.rounded(2)
            vat = (total * rate).divided(by: hundred + rate, decimals: 2)
            base = total - vat
            unitNet = (item.unitPrice * hundred).divided(by: hundred + rate, decimals: 4)
        } else {
            base = extended.rounded(2)
            vat = (base * rate).divided(by: hundred, decimals: 2)
            total = base + vat
            unitNet = item.unitPrice
        }
        let unitGross = (item.unitPrice * factor * (hundred + rate)).divided(by: hundred, decimals: 4)
        return CalculatedLine(
            item: item, unitPriceBeforeVAT: unitNet, unitPriceAfterVAT: unitPrice(total, item.quantity, fallback: unitGross),
            priceBeforeVAT: base, vatRate: rate, vatAmount: vat, price: total, rebateReducesBase: hasRebate ? !gross : nil
        )
    }

    private static func unitPrice(_ total: ExactDecimal, _ quantity: ExactDecimal, fallback: ExactDecimal) -> ExactDecimal {
        quantity.isZero ? fallback.rounded(4) : total.divided(by: quantity, decimals: 4)
    }

    private static func fromGroups(_ invoice: Invoice) -> InvoiceAmounts {
        let groups = invoice.taxGroups
        let base = groups.map(\.priceBeforeVAT).sum()
        if !invoice.issuerInVAT {
            return InvoiceAmounts(lines: [], sameTaxes: [], totals: InvoiceTotals(priceWithoutVAT: base, vatAmount: nil, price: base, taxFreeAmount: base))
        }
        let vat = groups.map(\.vatAmount).sum()
        let sameTaxes = groups.map {
            SameTax(count: $0.count, priceBeforeVAT: $0.priceBeforeVAT, vatRate: $0.exemption == nil ? ($0.vatRate ?? .zero) : .zero, exemption: $0.exemption, vatAmount: $0.vatAmount)
        }
        let exempt = groups.filter { $0.exemption != nil }
        return InvoiceAmounts(
            lines: [], sameTaxes: sameTaxes,
            totals: InvoiceTotals(priceWithoutVAT: base, vatAmount: vat, price: base + vat, taxFreeAmount: exempt.isEmpty ? nil : exempt.map(\.priceBeforeVAT).sum())
        )
    }

    private struct GroupKey: Hashable {
        let rate: ExactDecimal
        let exemption: VATExemption?
    }
}
