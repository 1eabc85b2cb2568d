import FiscalCore
import FiscalTesting
@testable import MontenegroFiscal
import Testing

/// Hand-checked examples of the rounding policy.
@Suite struct CalculatorTests {
    func line(_ quantity: String, _ price: String, rate: String? = "21", rebate: String? = nil, gross: Bool = true, inVAT: Bool = true, exemption: VATExemption? = nil) -> CalculatedLine {
        InvoiceCalculator.line(
            InvoiceItem(name: "x", unit: "kom", quantity: dec(quantity), unitPrice: dec(price), rebatePercent: rebate.map(dec), vatRate: rate.map(dec), exemption: exemption),
            issuerInVAT: inVAT, gross: gross
        )
    }

    @Test func grossPriceTwoEspressos() {
        // 2 × 1.50 = 3.0000 gross; VAT = 3.00 × 21/121 = 0.52066… → 0.5207; base 2.4793; UPB = 1.50/1.21 = 1.2397
        let l = line("2", "1.50")
        #expect(l.price == dec("3.0000"))
        #expect(l.vatAmount == dec("0.5207"))
        #expect(l.priceBeforeVAT == dec("2.4793"))
        #expect(l.unitPriceBeforeVAT == dec("1.2397"))
        #expect(l.unitPriceAfterVAT == dec("1.5000"))
        #expect(l.rebateReducesBase == nil)
    }

    @Test func netPriceWithRebate() {
        // 3.5 h × 40.00 net − 10 % = 126.00 base; VAT 26.46; total 152.46; UPA = 152.46/3.5 = 43.56
        let l = line("3.5", "40.00", rebate: "10", gross: false)
        #expect(l.priceBeforeVAT == dec("126.00"))
        #expect(l.vatAmount == dec("26.46"))
        #expect(l.price == dec("152.46"))
        #expect(l.unitPriceBeforeVAT == dec("40.00"))
        #expect(l.unitPriceAfterVAT == dec("43.5600"))
        #expect(l.rebateReducesBase == true)
    }

    @Test func grossPriceWithRebate() {
        // 1 × 10.00 gross − 15 % = 8.50; VAT 8.50 × 7/107 = 0.55607… → 0.5561; base 7.9439
        let l = line("1", "10.00", rate: "7", rebate: "15")
        #expect(l.price == dec("8.50"))
        #expect(l.vatAmount == dec("0.5561"))
        #expect(l.priceBeforeVAT == dec("7.9439"))
        #expect(l.unitPriceBeforeVAT == dec("9.3458"))
        #expect(l.rebateReducesBase == false)
    }

    @Test func returnHasNegativeAmountsAndPositiveUnitPrices() {
        let l = line("-2", "1.50")
        #expect(l.price == dec("-3.00"))
        #expect(l.vatAmount == dec("-0.5207"))
        #expect(l.priceBeforeVAT == dec("-2.4793"))
        #expect(l.unitPriceBeforeVAT == dec("1.2397"))
        #expect(l.unitPriceAfterVAT == dec("1.5000"))
    }

    func invoice(_ items: [InvoiceItem], gross: Bool = true, inVAT: Bool = true) -> Invoice {
        var invoice = SampleInvoices.cash()
        invoice.items = items
        invoice.pricesIncludeVAT = gross
        invoice.issuerInVAT = inVAT
        return invoice
    }

    @Test func halfCentRoundsAwayFromZeroOnceAtGroupLevel() {
        // 3 × 0.335 = 1.005 stays 1.0050 on the line and becomes 1.01 in the group (and −1.01 for the return)
        let sale = InvoiceCalculator.calculate(invoice([InvoiceItem(name: "x", unit: "kom", quantity: 3, unitPrice: dec("0.335"), vatRate: 0)]))
        #expect(sale.lines[0].price == dec("1.0050"))
        #expect(sale.totals.price == dec("1.01"))
        let refund = InvoiceCalculator.calculate(invoice([InvoiceItem(name: "x", unit: "kom", quantity: -3, unitPrice: dec("0.335"), vatRate: 0)]))
        #expect(refund.totals.price == dec("-1.01"))
    }

    @Test func manyCheapLinesDoNotAccumulateVATRounding() {
        // Ten different items at 0.10 gross, 21 %: the group's VAT is 1.00 × 21/121 = 0.1736 → 0.17, not 10 × 0.02.
        let items = (0..<10).map { InvoiceItem(name: "Artikal \($0)", unit: "kom", quantity: 1, unitPrice: dec("0.10"), vatRate: 21) }
        let gross = InvoiceCalculator.calculate(invoice(items))
        #expect(gross.sameTaxes[0].vatAmount == dec("0.17"))
        #expect(gross.sameTaxes[0].priceBeforeVAT == dec("0.83"))
        #expect(gross.totals.price == dec("1.00"))
        // Net: 10 × 0.08 = 0.80 base, VAT 0.168 → 0.17.
        let net = InvoiceCalculator.calculate(invoice(items.map { var item = $0; item.unitPrice = dec("0.08"); return item }, gross: false))
        #expect(net.sameTaxes[0].vatAmount == dec("0.17"))
        #expect(net.sameTaxes[0].priceBeforeVAT == dec("0.80"))
        #expect(net.totals.price == dec("0.97"))
    }

    @Test func trailingZerosDoNotOverflow() {
        // Values as NUMERIC(38,18) columns print them.
        let l = line("2.000000000000000000", "100.000000000000000000", rate: "21.000000000000000000", gross: false)
        #expect(l.priceBeforeVAT == dec("200.00"))
        #expect(l.price == dec("242.00"))
    }

    @Test func exemptAndNonVATLines() {
        let exempt = line("1", "100", rate: nil, gross: false, exemption: .article17)
        #expect(exempt.vatRate == .zero)
        #expect(exempt.vatAmount == .zero)
        #expect(exempt.price == dec("100.00"))
        let outside = line("2", "4.25", rate: nil, rebate: "12.5", inVAT: false)
        #expect(outside.vatRate == nil)
        #expect(outside.vatAmount == nil)
        #expect(outside.price == dec("7.4375"))
        #expect(outside.priceBeforeVAT == outside.price)
    }

    @Test func groupsAndTotalsAreExactSumsOfLines() {
        let invoice = SampleInvoices.allKinds().first { $0.name.hasPrefix("NONCASH") }!.invoice
        let amounts = InvoiceCalculator.calculate(invoice)
        // 152.46 + 26.42 + 100.00
        #expect(amounts.totals.price == dec("278.88"))
        #expect(amounts.totals.vatAmount == dec("28.19"))
        #expect(amounts.totals.priceWithoutVAT == dec("250.69"))
        #expect(amounts.totals.taxFreeAmount == dec("100.00"))
        #expect(amounts.sameTaxes.count == 3)
        #expect(amounts.sameTaxes.map(\.vatRate) == [dec("21"), dec("7"), .zero])
        #expect(amounts.sameTaxes.map(\.exemption) == [nil, nil, .article17])
        #expect(amounts.sameTaxes.map(\.count) == [1, 1, 1])
    }

    @Test func linesOfTheSameRateShareAGroup() {
        let amounts = InvoiceCalculator.calculate(SampleInvoices.cash())
        #expect(amounts.sameTaxes.count == 1)
        #expect(amounts.sameTaxes[0].count == 2)
        // Espresso 3.00 (VAT 0.52) + cake 2.50 (VAT 2.50 × 21/121 = 0.4338… → 0.43)
        #expect(amounts.sameTaxes[0].vatAmount == dec("0.95"))
        #expect(amounts.sameTaxes[0].priceBeforeVAT == dec("4.55"))
        #expect(amounts.totals.price == dec("5.50"))
    }

    @Test func issuerOutsideVATHasNoVATAndTaxFreeTotal() {
        let invoice = SampleInvoices.allKinds().first { $0.name == "issuer outside VAT" }!.invoice
        let amounts = InvoiceCalculator.calculate(invoice)
        #expect(amounts.sameTaxes.isEmpty)
        #expect(amounts.totals.vatAmount == nil)
        #expect(amounts.totals.price == dec("22.44"))
        #expect(amounts.totals.taxFreeAmount == dec("22.44"))
    }

    @Test func documentsWithoutItemsUseTaxGroups() {
        let invoice = SampleInvoices.allKinds().first { $0.name == "SUMMARY" }!.invoice
        let amounts = InvoiceCalculator.calculate(invoice)
        #expect(amounts.lines.isEmpty)
        #expect(amounts.totals.price == dec("121.00"))
        #expect(amounts.sameTaxes.first?.count == 2)
    }
}
