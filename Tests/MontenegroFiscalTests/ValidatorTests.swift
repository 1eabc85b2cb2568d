import FiscalCore
import FiscalTesting
@testable import MontenegroFiscal
import Testing

/// Each rule of the schema and the specification, with the field path it reports.
@Suite struct ValidatorTests {
    func issues(_ change: (inout Invoice) -> Void, base: Invoice = SampleInvoices.cash()) -> [ValidationIssue] {
        var invoice = base
        change(&invoice)
        return InvoiceValidator.issues(in: invoice, certificateTIN: TIN("12345678"))
    }

    func expect(_ code: ValidationIssue.Code, at field: String, _ change: (inout Invoice) -> Void, base: Invoice = SampleInvoices.cash(), sourceLocation: SourceLocation = #_sourceLocation) {
        let found = issues(change, base: base)
        #expect(found.contains { $0.code == code && $0.field == field }, "expected \(code) at \(field), got \(found)", sourceLocation: sourceLocation)
        #expect(found.allSatisfy { !$0.message.isEmpty }, sourceLocation: sourceLocation)
    }

    @Test func samplesOfEveryKindAreValid() {
        for (name, invoice) in SampleInvoices.allKinds() {
            #expect(InvoiceValidator.issues(in: invoice, certificateTIN: TIN("12345678")).isEmpty, "\(name): \(InvoiceValidator.issues(in: invoice))")
        }
    }

    @Test func registrationCodesAndOrdinal() {
        expect(.invalidFormat, at: "device.business_unit") { $0.device.businessUnit = "XX123xx123" }
        expect(.invalidFormat, at: "device.tcr_code") { $0.device.tcr = "si747we97" }
        expect(.invalidFormat, at: "device.software_code") { $0.device.software = "ss123ss1234" }
        expect(.required, at: "operator_code") { $0.operatorCode = "" }
        expect(.outOfRange, at: "ordinal") { $0.ordinal = 0 }
    }

    @Test func sellerAndCertificate() {
        expect(.sellerMismatch, at: "seller.id") { $0.seller.idNumber = "87654321" }
        expect(.invalidFormat, at: "seller.id") { $0.seller.idNumber = "1234" }
        expect(.invalidFormat, at: "seller.id_type") { $0.seller.idType = .vat }
        expect(.required, at: "seller.name") { $0.seller.name = "  " }
        expect(.tooLong, at: "seller.name") { $0.seller.name = String(repeating: "a", count: 401) }
        expect(.unknownCode, at: "seller.country") { $0.seller.country = "XXX" }
        expect(.invalidCharacters, at: "seller.address") { $0.seller.address = "Ulica\u{1}" }
        expect(.notAllowed, at: "seller.diplomatic_tax_card") { $0.seller.diplomaticTaxCard = "123" }
    }

    @Test func buyerRules() {
        expect(.required, at: "buyer.town") { $0.buyer = Party(idNumber: "87654321", name: "Kupac", address: "Ulica", country: "MNE") }
        expect(.invalidFormat, at: "buyer.id") { $0.buyer = Party(idNumber: "8765", name: "Kupac", address: "Ulica", town: "Bar", country: "MNE") }
        expect(.buyerRequired, at: "buyer") { $0.goodsExportAmount = dec("1.00") }
        expect(.buyerRequired, at: "buyer") { $0.selfIssuing = .agreement }
        let periodical = SampleInvoices.allKinds().first { $0.name == "PERIODICAL" }!.invoice
        expect(.buyerRequired, at: "buyer", { $0.buyer = nil }, base: periodical)
        let selfIssued = SampleInvoices.allKinds().first { $0.name.hasPrefix("self-issued") }!.invoice
        expect(.invalidFormat, at: "buyer.id_type", { $0.buyer?.idType = .passport }, base: selfIssued)
        expect(.sellerMismatch, at: "buyer.id", { $0.buyer?.idNumber = "87654321" }, base: selfIssued)
    }

    @Test func itemRules() {
        expect(.required, at: "items") { $0.items = [] }
        expect(.tooMany, at: "items") { invoice in
            invoice.items = Array(repeating: InvoiceItem(name: "x", unit: "kom", quantity: 1, unitPrice: dec("0.01"), vatRate: 21), count: 1001)
            invoice.payments = [Payment(type: .banknote, amount: dec("10.01"))]
        }
        expect(.outOfRange, at: "items[0].quantity") { $0.items[0].quantity = .zero }
        expect(.tooManyDecimals, at: "items[0].quantity") { $0.items[0].quantity = dec("1.0001") }
        expect(.tooManyDecimals, at: "items[1].unit_price") { $0.items[1].unitPrice = dec("2.50001") }
        expect(.outOfRange, at: "items[1].unit_price") { $0.items[1].unitPrice = dec("-2.50") }
        expect(.outOfRange, at: "items[0].discount_percent") { $0.items[0].rebatePercent = dec("101") }
        expect(.required, at: "items[0].vat_rate") { $0.items[0].vatRate = nil }
        expect(.outOfRange, at: "items[0].vat_rate") { $0.items[0].vatRate = dec("121") }
        expect(.tooManyDecimals, at: "items[0].vat_rate") { $0.items[0].vatRate = dec("21.005") }
        expect(.notAllowed, at: "items[0].vat_rate") { $0.items[0].exemption = .article26 }
        expect(.notAllowed, at: "items[0].vat_rate") { $0.issuerInVAT = false }
        expect(.notAllowed, at: "items[0].exemption") { $0.issuerInVAT = false; $0.items[0].vatRate = nil; $0.items[0].exemption = .article26 }
        expect(.tooLong, at: "items[0].name") { $0.items[0].name = String(repeating: "ž", count: 51) }
        expect(.required, at: "items[0].unit") { $0.items[0].unit = "" }
        expect(.invalidFormat, at: "items[0].code") { $0.items[0].code = "" }
        expect(.invalidFormat, at: "items[0].voucher_serial") { $0.items[0].voucherSerial = "034564-2020-12345678" }
        expect(.notAllowed, at: "tax_groups") { $0.taxGroups = [TaxGroup(count: 1, priceBeforeVAT: dec("1"), vatRate: 21, vatAmount: dec("0.21"))] }
    }

    @Test func moreThanTwentyVATGroups() {
        expect(.tooMany, at: "items") { invoice in
            invoice.items = (0..<21).map { InvoiceItem(name: "x", unit: "kom", quantity: 1, unitPrice: dec("1.00"), vatRate: ExactDecimal($0)) }
            invoice.payments = [Payment(type: .banknote, amount: dec("21.00"))]
        }
    }

    @Test func paymentRules() {
        expect(.required, at: "payments") { $0.payments = [] }
        expect(.paymentTotalMismatch, at: "payments") { $0.payments = [Payment(type: .banknote, amount: dec("5.49"))] }
        expect(.cashPaymentMissing, at: "payments") { $0.payments = [Payment(type: .order, amount: dec("5.50"))] }
        expect(.cashPaymentNotAllowed, at: "payments") { $0.paymentKind = .noncash }
        expect(.duplicate, at: "payments[1].type") { $0.payments = [Payment(type: .banknote, amount: dec("5.00")), Payment(type: .banknote, amount: dec("0.50"))] }
        expect(.tooMany, at: "payments") { $0.payments = Array(repeating: Payment(type: .banknote, amount: dec("0.50")), count: 11) }
        expect(.tooManyDecimals, at: "payments[0].amount") { $0.payments = [Payment(type: .banknote, amount: dec("5.501"))] }
        expect(.required, at: "payments[1].company_card") { $0.payments = [Payment(type: .banknote, amount: dec("4.50")), Payment(type: .company, amount: dec("1.00"))] }
        expect(.required, at: "payments[1].advance_iic") { $0.payments = [Payment(type: .banknote, amount: dec("4.50")), Payment(type: .advance, amount: dec("1.00"))] }
        expect(.invalidFormat, at: "payments[1].advance_iic") { $0.payments = [Payment(type: .banknote, amount: dec("4.50")), Payment(type: .advance, amount: dec("1.00"), advanceIIC: "XYZ")] }
        expect(.notAllowed, at: "payments[0].advance_iic") { $0.payments = [Payment(type: .banknote, amount: dec("5.50"), advanceIIC: SampleInvoices.earlierIIC)] }
        expect(.notAllowed, at: "payments[0].company_card") { $0.payments = [Payment(type: .banknote, amount: dec("5.50"), companyCard: "1")] }
        expect(.notAllowed, at: "payments[0].vouchers") { $0.payments = [Payment(type: .banknote, amount: dec("5.50"), vouchers: ["34564-2020-12345678"])] }
        expect(.required, at: "payments[1].vouchers") { $0.payments = [Payment(type: .banknote, amount: dec("4.50")), Payment(type: .singlePurposeVoucher, amount: dec("1.00"), advanceIIC: SampleInvoices.earlierIIC)] }
        expect(.invalidFormat, at: "payments[1].vouchers[0]") { $0.payments = [Payment(type: .banknote, amount: dec("4.50")), Payment(type: .singlePurposeVoucher, amount: dec("1.00"), advanceIIC: SampleInvoices.earlierIIC, vouchers: ["12-2020-1"])] }
    }

    @Test func paymentMismatchMessageShowsTheDifference() {
        let found = issues { $0.payments = [Payment(type: .banknote, amount: dec("5.00"))] }
        #expect(found.first?.message.contains("5.00") == true)
        #expect(found.first?.message.contains("5.50") == true)
        #expect(found.first?.message.contains("-0.50") == true)
    }

    @Test func documentKindRules() {
        expect(.referenceRequired, at: "corrects") { $0.kind = .corrective }
        expect(.notAllowed, at: "corrects") { $0.correction = CorrectionReference(original: InvoiceReference(iic: SampleInvoices.earlierIIC, issuedAt: SampleInvoices.earlierIssuedAt)) }
        expect(.invalidFormat, at: "corrects.iic") { $0.kind = .corrective; $0.correction = CorrectionReference(original: InvoiceReference(iic: "123", issuedAt: SampleInvoices.earlierIssuedAt)) }
        let summary = SampleInvoices.allKinds().first { $0.name == "SUMMARY" }!.invoice
        expect(.referenceRequired, at: "references", { $0.references = [] }, base: summary)
        expect(.required, at: "tax_groups", { $0.taxGroups = [] }, base: summary)
        expect(.duplicate, at: "tax_groups[1]", { $0.taxGroups.append($0.taxGroups[0]) }, base: summary)
        expect(.invalidFormat, at: "references[0].iic", { $0.references[0].invoice.iic = "G" + String(repeating: "0", count: 31) }, base: summary)
        let creditNote = SampleInvoices.allKinds().first { $0.name == "CREDIT_NOTE" }!.invoice
        expect(.required, at: "approvals", { $0.approvals = [] }, base: creditNote)
        expect(.totalMismatch, at: "approvals", { $0.approvals[0].totalAmount = dec("-12.00") }, base: creditNote)
        expect(.notAllowed, at: "approvals") { $0.approvals = [Approval(totalAmount: dec("1.00"))] }
        expect(.outOfRange, at: "bad_debt") { $0.badDebt = InvoiceReference(iic: SampleInvoices.earlierIIC, issuedAt: SampleInvoices.earlierIssuedAt) }
    }

    @Test func optionalAttributes() {
        expect(.invalidFormat, at: "tax_period") { $0.taxPeriod = "13/2026" }
        expect(.invalidFormat, at: "tax_period") { $0.taxPeriod = "1/2026" }
        expect(.tooLong, at: "note") { $0.note = String(repeating: "n", count: 201) }
        expect(.tooLong, at: "paragon_block_number") { $0.paragonBlockNumber = String(repeating: "1", count: 21) }
        expect(.notAllowed, at: "bank_account") { $0.bankAccount = "510-1" }
        expect(.unknownCode, at: "currency.code") { $0.currency = Currency(code: "XYZ", exchangeRate: 1) }
        expect(.outOfRange, at: "currency.exchange_rate") { $0.currency = Currency(code: "USD", exchangeRate: .zero) }
        expect(.duplicate, at: "fees[1].type") { $0.fees = [Fee(type: .pack, amount: 1), Fee(type: .pack, amount: 2)] }
        expect(.outOfRange, at: "amount_to_pay") { $0.amountToPay = dec("-1.00") }
        expect(.outOfRange, at: "items[0].quantity") { $0.items[0].quantity = ExactDecimal(2_000_000_000) }
    }

    @Test func collectsEveryProblemAtOnce() {
        let found = issues { invoice in
            invoice.device.tcr = "bad"
            invoice.items[0].name = ""
            invoice.payments = []
        }
        #expect(Set(found.map(\.field)).isSuperset(of: ["device.tcr_code", "items[0].name", "payments"]))
    }

    @Test func signerRefusesInvalidInvoices() {
        var invoice = SampleInvoices.cash()
        invoice.payments = [Payment(type: .banknote, amount: dec("1.00"))]
        let error = #expect(throws: ValidationError.self) {
            try MessageSigner(identity: TestMaterial.taxpayer).sign(invoice, header: MessageHeader(sentAt: SampleInvoices.issuedAt))
        }
        #expect(error?.issues.first?.code == .paymentTotalMismatch)
        #expect(error?.description.contains("payments:") == true)
    }

    @Test func registrationAndDepositRules() {
        let today = FiscalDate(year: 2026, month: 11, day: 21)!
        let yesterday = FiscalDate(year: 2026, month: 11, day: 20)!
        let registration = TCRRegistration(issuerTIN: "123", businessUnit: "bad", internalID: "", software: "x", maintainer: "y", validFrom: yesterday, validTo: yesterday)
        let fields = registration.issues(today: today).map(\.field)
        #expect(fields.contains("issuer_tin") && fields.contains("business_unit") && fields.contains("internal_id"))
        #expect(fields.contains("software_code") && fields.contains("maintainer_code") && fields.contains("valid_from") && fields.contains("valid_to"))
        let reversed = TCRRegistration(issuerTIN: "12345678", businessUnit: "xx123xx123", internalID: "1", validFrom: FiscalDate(year: 2026, month: 12, day: 2), validTo: FiscalDate(year: 2026, month: 12, day: 1))
        #expect(reversed.issues(today: today).map(\.field) == ["valid_to"])
        let zeroWithdraw = CashDeposit(changedAt: SampleInvoices.issuedAt, operation: .withdraw, amount: .zero, tcr: "si747we972", issuerTIN: "12345678")
        #expect(zeroWithdraw.issues.map(\.field) == ["amount"])
        let negative = CashDeposit(changedAt: SampleInvoices.issuedAt, operation: .initial, amount: dec("-1.00"), tcr: "si747we972", issuerTIN: "12345678")
        #expect(negative.issues.map(\.code) == [.outOfRange])
        #expect(throws: ValidationError.self) {
            try MessageSigner(identity: TestMaterial.taxpayer).sign(zeroWithdraw, header: MessageHeader(sentAt: SampleInvoices.issuedAt))
        }
    }
}

@Suite struct ReviewedRuleTests {
    func issues(_ change: (inout Invoice) -> Void, base: Invoice = SampleInvoices.cash()) -> [ValidationIssue] {
        var invoice = base
        change(&invoice)
        return InvoiceValidator.issues(in: invoice, certificateTIN: TIN("12345678"))
    }

    @Test func lengthsCountCodePoints() {
        // 30 decomposed "Č" are 30 characters to Swift but 60 to the schema.
        let found = issues { $0.items[0].name = String(repeating: "C\u{30C}", count: 30) }
        #expect(found.contains { $0.code == .tooLong && $0.field == "items[0].name" })
    }

    @Test func selfIssuingNeedsAVATIssuer() {
        let selfIssued = SampleInvoices.allKinds().first { $0.name.hasPrefix("self-issued") }!.invoice
        let found = issues({ $0.issuerInVAT = false; $0.items[0].vatRate = nil }, base: selfIssued)
        #expect(found.contains { $0.field == "self_issuing" && $0.code == .notAllowed })
    }

    @Test func selfIssuedIICUsesTheIssuingBuyersTIN() throws {
        let selfIssued = SampleInvoices.allKinds().first { $0.name.hasPrefix("self-issued") }!.invoice
        let signed = try MessageSigner(identity: TestMaterial.taxpayer).sign(selfIssued, header: MessageHeader(sentAt: SampleInvoices.issuedAt))
        #expect(signed.iicInput.tin == "12345678")
        #expect(signed.invoice.seller.idNumber == "0101990210001")
    }

    @Test func taxGroupsAreConsistent() {
        let summary = SampleInvoices.allKinds().first { $0.name == "SUMMARY" }!.invoice
        #expect(issues({ $0.taxGroups = [TaxGroup(count: 2, priceBeforeVAT: dec("100.00"), vatRate: 21, exemption: .article17, vatAmount: dec("21.00"))] }, base: summary)
            .contains { $0.field == "tax_groups[0].vat_amount" && $0.code == .notAllowed })
        #expect(issues({ $0.taxGroups = [TaxGroup(count: 2, priceBeforeVAT: dec("100.00"), vatRate: 21, vatAmount: dec("20.00"))] }, base: summary)
            .contains { $0.field == "tax_groups[0].vat_amount" && $0.code == .totalMismatch })
        #expect(issues({ $0.references[0].amount = dec("60.00") }, base: summary).contains { $0.field == "references" && $0.code == .totalMismatch })
        #expect(issues({ $0.ordinal = Int(Int32.max) + 1 }).contains { $0.field == "ordinal" })
    }

    @Test func depositAndRegistrationTINMustBeTheCertificates() {
        let signer = MessageSigner(identity: TestMaterial.taxpayer)
        let header = MessageHeader(sentAt: SampleInvoices.issuedAt)
        let deposit = #expect(throws: ValidationError.self) {
            try signer.sign(CashDeposit(changedAt: SampleInvoices.issuedAt, operation: .initial, amount: .zero, tcr: "si747we972", issuerTIN: "87654321"), header: header)
        }
        #expect(deposit?.issues.first?.code == .sellerMismatch)
        let today = FiscalDate(year: 2026, month: 11, day: 21)!
        let registration = #expect(throws: ValidationError.self) {
            try signer.sign(TCRRegistration(issuerTIN: "87654321", businessUnit: "xx123xx123", internalID: "1"), header: header, today: today)
        }
        #expect(registration?.issues.first?.code == .sellerMismatch)
        #expect(TCRRegistration(issuerTIN: "12345678", businessUnit: "xx123xx123", internalID: "1").type == nil)
    }

    @Test func resendsAreCheckedToo() throws {
        let other = try SigningIdentity(contentsOf: TestMaterial.certificate("other-tin.p12"), password: TestMaterial.password)
        let first = try MessageSigner(identity: TestMaterial.taxpayer).sign(SampleInvoices.cash(), header: MessageHeader(sentAt: SampleInvoices.issuedAt))
        #expect(throws: ValidationError.self) {
            try MessageSigner(identity: other).sign(SampleInvoices.cash(), header: MessageHeader(sentAt: SampleInvoices.issuedAt, subsequentDelivery: .service), iic: first.iic)
        }
    }
}
