public import FiscalCore
public import MontenegroFiscal

/// Ready-made invoices of every kind for the test taxpayer, Test DOO (TIN 12345678).
public enum SampleInvoices {
    /// The public EFI test codes used with the test certificate.
    public static let device = DeviceCodes(businessUnit: "xx123xx123", tcr: "si747we972", software: "ss123ss123", maintainer: "mm123mm123")
    /// The operator code of the samples.
    public static let operatorCode = "oo123oo123"
    /// The seller: Test DOO.
    public static let seller = Party(idType: .tin, idNumber: "12345678", name: "Test DOO", address: "Ulica 1", town: "Podgorica", country: "MNE")
    /// A business buyer.
    public static let buyer = Party(idType: .tin, idNumber: "87654321", name: "Kupac DOO", address: "Ulica 2", town: "Nikšić", country: "MNE")
    /// A fixed issue time in winter (offset +01:00).
    public static let issuedAt = FiscalTimestamp("2026-11-21T10:15:00+01:00")!
    /// An IIC of an earlier invoice.
    public static let earlierIIC = "E4033D471FEEA47A3C664B15C669C709"
    /// The issue time of that earlier invoice.
    public static let earlierIssuedAt = FiscalTimestamp("2026-11-20T18:00:00+01:00")!

    /// A cash sale of two coffees and a cake: 3.00 + 2.50, paid in banknotes.
    public static func cash(ordinal: Int = 1) -> Invoice {
        Invoice(
            paymentKind: .cash, issuedAt: issuedAt, ordinal: ordinal, device: device, operatorCode: operatorCode,
            issuerInVAT: true, seller: seller, pricesIncludeVAT: true,
            items: [
                InvoiceItem(name: "Espresso", code: "001", unit: "kom", quantity: 2, unitPrice: dec("1.50"), vatRate: 21),
                InvoiceItem(name: "Kolač", code: "002", unit: "kom", quantity: 1, unitPrice: dec("2.50"), vatRate: 21),
            ],
            payments: [Payment(type: .banknote, amount: dec("5.50"))]
        )
    }

    /// Every document kind the schema knows, each valid and consistent.
    public static func allKinds() -> [(name: String, invoice: Invoice)] {
        let reference = InvoiceReference(iic: earlierIIC, issuedAt: earlierIssuedAt)
        var result: [(String, Invoice)] = [("cash INVOICE", cash())]

        var noncash = cash(ordinal: 2)
        noncash.paymentKind = .noncash
        noncash.buyer = buyer
        noncash.pricesIncludeVAT = false
        noncash.items = [
            InvoiceItem(name: "Konsalting", unit: "h", quantity: dec("3.5"), unitPrice: dec("40.00"), rebatePercent: 10, vatRate: 21),
            InvoiceItem(name: "Knjiga", unit: "kom", quantity: 2, unitPrice: dec("12.3456"), vatRate: 7),
            InvoiceItem(name: "Izvoz usluge", unit: "kom", quantity: 1, unitPrice: dec("100"), exemption: .article17),
        ]
        noncash.payments = [Payment(type: .account, amount: dec("278.88"))]
        noncash.bankAccount = "510-1234567890123-45"
        noncash.payDeadline = FiscalDate("2026-12-21")
        noncash.taxPeriod = "11/2026"
        noncash.note = "Plaćanje u roku od 30 dana"
        noncash.fees = [Fee(type: .pack, amount: dec("1.00"))]
        result.append(("NONCASH INVOICE with rebate, exemption, fees", noncash))

        var corrective = cash(ordinal: 3)
        corrective.kind = .corrective
        corrective.items = [InvoiceItem(name: "Espresso", code: "001", unit: "kom", quantity: -2, unitPrice: dec("1.50"), vatRate: 21)]
        corrective.payments = [Payment(type: .banknote, amount: dec("-3.00"))]
        corrective.correction = CorrectionReference(original: reference, type: .corrective)
        result.append(("CORRECTIVE", corrective))

        var errorCorrective = cash(ordinal: 4)
        errorCorrective.kind = .corrective
        errorCorrective.correction = CorrectionReference(original: reference, type: .errorCorrective)
        result.append(("ERROR_CORRECTIVE", errorCorrective))

        var summary = cash(ordinal: 5)
        summary.kind = .summary
        summary.buyer = buyer
        summary.items = []
        summary.taxGroups = [TaxGroup(count: 2, priceBeforeVAT: dec("100.00"), vatRate: 21, vatAmount: dec("21.00"))]
        summary.references = [
            IICReference(invoice: reference, amount: dec("60.50")),
            IICReference(invoice: InvoiceReference(iic: "A1B2C3D4E5F60718293A4B5C6D7E8F90", issuedAt: earlierIssuedAt), amount: dec("60.50")),
        ]
        summary.payments = [Payment(type: .banknote, amount: dec("121.00"))]
        result.append(("SUMMARY", summary))

        var periodical = summary
        periodical.ordinal = 6
        periodical.kind = .periodical
        periodical.paymentKind = .noncash
        periodical.taxPeriod = "10/2026"
        periodical.payments = [Payment(type: .account, amount: dec("121.00"))]
        result.append(("PERIODICAL", periodical))

        var advance = cash(ordinal: 7)
        advance.kind = .advance
        advance.items = [
            InvoiceItem(name: "Poklon vaučer", unit: "kom", quantity: 1, unitPrice: dec("50.00"), vatRate: 21,
                        voucherValidUntil: FiscalDate("2027-11-21"), voucherSerial: "34564-2026-12345678"),
        ]
        advance.payments = [Payment(type: .banknote, amount: dec("50.00"))]
        result.append(("ADVANCE with voucher", advance))

        var voucherSale = cash(ordinal: 8)
        voucherSale.paymentKind = .noncash
        voucherSale.items = [InvoiceItem(name: "Majica", unit: "kom", quantity: 1, unitPrice: dec("50.00"), vatRate: 21)]
        voucherSale.payments = [Payment(type: .singlePurposeVoucher, amount: dec("50.00"), advanceIIC: earlierIIC, vouchers: ["34564-2026-12345678"])]
        result.append(("INVOICE paid by SVOUCHER", voucherSale))

        var creditNote = cash(ordinal: 9)
        creditNote.kind = .creditNote
        creditNote.paymentKind = .noncash
        creditNote.buyer = buyer
        creditNote.items = []
        creditNote.taxGroups = [TaxGroup(count: 1, priceBeforeVAT: dec("-10.00"), vatRate: 21, vatAmount: dec("-2.10"))]
        creditNote.approvals = [Approval(discountAmount: dec("-10.00"), vatRate: 21, vatAmount: dec("-2.10"), totalAmount: dec("-12.10"))]
        creditNote.references = [IICReference(invoice: reference, amount: dec("121.00"))]
        creditNote.payments = [Payment(type: .account, amount: dec("-12.10"), bankAccount: "510-1234567890123-45")]
        result.append(("CREDIT_NOTE", creditNote))

        var badDebt = cash(ordinal: 10)
        badDebt.paymentKind = .noncash
        badDebt.buyer = buyer
        badDebt.items = [InvoiceItem(name: "Nenaplativo potraživanje", unit: "kom", quantity: -1, unitPrice: dec("121.00"), vatRate: 21)]
        badDebt.payments = [Payment(type: .order, amount: dec("-121.00"))]
        badDebt.badDebt = reference
        result.append(("BadDebtInv", badDebt))

        var selfIssued = cash(ordinal: 11)
        selfIssued.paymentKind = .noncash
        selfIssued.selfIssuing = .domestic
        selfIssued.seller = Party(idType: .id, idNumber: "0101990210001", name: "Poljoprivrednik Marko", address: "Selo 1", town: "Danilovgrad", country: "MNE")
        selfIssued.buyer = Party(idType: .tin, idNumber: "12345678", name: "Test DOO", address: "Ulica 1", town: "Podgorica", country: "MNE")
        selfIssued.items = [InvoiceItem(name: "Krompir", unit: "kg", quantity: dec("100.5"), unitPrice: dec("0.80"), vatRate: 0)]
        selfIssued.payments = [Payment(type: .account, amount: dec("80.40"))]
        result.append(("self-issued (DOMESTIC)", selfIssued))

        var nonVAT = cash(ordinal: 12)
        nonVAT.issuerInVAT = false
        nonVAT.items = [InvoiceItem(name: "Frizura", unit: "kom", quantity: 1, unitPrice: dec("15.00")), InvoiceItem(name: "Šampon", unit: "kom", quantity: 2, unitPrice: dec("4.25"), rebatePercent: dec("12.5"))]
        nonVAT.payments = [Payment(type: .card, amount: dec("10.00")), Payment(type: .banknote, amount: dec("12.44"))]
        result.append(("issuer outside VAT", nonVAT))

        var foreign = noncash
        foreign.ordinal = 13
        foreign.currency = Currency(code: "USD", exchangeRate: dec("0.9234"))
        foreign.buyer = Party(idType: .passport, idNumber: "P1234567", name: "John Smith", address: "1 Main St", town: "Boston", country: "USA")
        foreign.goodsExportAmount = dec("100.00")
        result.append(("foreign buyer with currency and export", foreign))

        var multiPay = cash(ordinal: 14)
        multiPay.payments = [
            Payment(type: .banknote, amount: dec("2.00")), Payment(type: .card, amount: dec("1.50")),
            Payment(type: .company, amount: dec("1.00"), companyCard: "GC-0001"), Payment(type: .advance, amount: dec("1.00"), advanceIIC: earlierIIC),
        ]
        result.append(("CASH with four payment methods", multiPay))
        return result
    }
}

/// An exact decimal from a literal known to be valid (test data only).
public func dec(_ text: String) -> ExactDecimal {
    guard let value = ExactDecimal(text) else { preconditionFailure("bad decimal literal \(text)") }
    return value
}
