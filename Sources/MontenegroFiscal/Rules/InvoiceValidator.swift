public import FiscalCore

/// Checks an invoice against every constraint of the served schema and the business rules of the
/// specification, before anything is signed.
///
/// Field paths use the names of the connector's JSON input (`items[0].unit_price`), and each
/// message names the schema attribute where that helps.
public enum InvoiceValidator {
    /// Every problem of `invoice`; empty when it may be signed. `certificateTIN`, when given, must
    /// be the seller's TIN (the tax authority rejects a mismatch with code 37). `issuing`, when
    /// given, checks a new invoice's issue time and VAT rates too (see ``IssueContext``).
    public static func issues(in invoice: Invoice, certificateTIN: TIN? = nil, issuing: IssueContext? = nil) -> [ValidationIssue] {
        check(invoice, certificateTIN: certificateTIN, issuing: issuing).issues
    }

    /// Validates, then computes the amounts; throws ``ValidationError`` listing every problem.
    public static func validated(_ invoice: Invoice, certificateTIN: TIN? = nil, issuing: IssueContext? = nil) throws(ValidationError) -> InvoiceAmounts {
        let (found, amounts) = check(invoice, certificateTIN: certificateTIN, issuing: issuing)
        guard found.isEmpty, let amounts else { throw ValidationError(found) }
        return amounts
    }

    private static func check(_ invoice: Invoice, certificateTIN: TIN?, issuing: IssueContext?) -> (issues: [ValidationIssue], amounts: InvoiceAmounts?) {
        var c = FieldChecks()
        checkHeader(invoice, &c, certificateTIN: certificateTIN)
        if let issuing { checkIssue(invoice, issuing, &c) }
        checkParties(invoice, &c)
        checkItems(invoice, &c)
        checkPayments(invoice, &c)
        checkReferences(invoice, &c)
        checkOptional(invoice, &c)
        guard c.issues.isEmpty else { return (c.issues, nil) }
        let amounts = InvoiceCalculator.calculate(invoice)
        checkAmounts(invoice, amounts, &c)
        return (c.issues, amounts)
    }

    private static func checkHeader(_ invoice: Invoice, _ c: inout FieldChecks, certificateTIN: TIN?) {
        if invoice.ordinal < 1 || invoice.ordinal > Int(Int32.max) {
            c.add(.outOfRange, "ordinal", "\(invoice.ordinal) is not a valid InvOrdNum: ordinals start at 1 each year and stay below 2147483648")
        }
        if invoice.selfIssuing != nil && !invoice.issuerInVAT {
            c.add(.notAllowed, "self_issuing", "a self-issued invoice must carry SameTaxes, which an issuer outside the VAT system cannot send (error 11): only VAT-registered buyers self-issue")
        }
        c.registrationCode(invoice.device.businessUnit, "device.business_unit")
        c.registrationCode(invoice.device.tcr, "device.tcr_code")
        c.registrationCode(invoice.device.software, "device.software_code")
        c.registrationCode(invoice.operatorCode, "operator_code")
        if let certificateTIN {
            // The issuer signs: the seller, or on a self-issued invoice the buyer.
            let (issuerID, path) = invoice.selfIssuing == nil ? (invoice.seller.idNumber, "seller.id") : (invoice.buyer?.idNumber, "buyer.id")
            if let issuerID, issuerID != certificateTIN.value {
                c.add(.sellerMismatch, path, "'\(issuerID)' differs from the TIN \(certificateTIN.value) in the signing certificate: use the certificate of this taxpayer or correct the TIN")
            }
        }
    }

    /// The issue time lies in the allowed window and every VAT rate is in force on the issue day
    /// (for a corrective invoice, also those in force on the day of the invoice it corrects).
    private static func checkIssue(_ invoice: Invoice, _ context: IssueContext, _ c: inout FieldChecks) {
        let window = context.window, issued = invoice.issuedAt.date
        if !window.contains(issued) {
            let reason = if issued > window.upperBound {
                "it lies ahead of this machine's clock by more than \(Int(IssueContext.clockSkewAllowance / 60)) minutes: set the till's clock right, or leave issued_at out to use the connector's time"
            } else if let start = context.certificateValidFrom, issued < start, start == window.lowerBound {
                "the signing certificate is valid only from \(FiscalTimestamp(start).text), so nothing can be signed as issued before"
            } else {
                "an invoice is fiscalized within \(IssueContext.lateDeliveryHours) hours of its issue time, so an older one can no longer be issued; send the time the receipt is handed out (or leave issued_at out)"
            }
            c.add(.outsideIssueWindow, "issued_at", "\(invoice.issuedAt.text) is outside the allowed window \(FiscalTimestamp(window.lowerBound).text) … \(FiscalTimestamp(window.upperBound).text): \(reason)")
        }
        guard invoice.issuerInVAT else { return }
        let day = FiscalDate(issued)
        var rates = context.vatRates.rates(on: day), days = day.description
        if let original = invoice.correction.map({ FiscalDate($0.original.issuedAt.date) }), original != day {
            rates += context.vatRates.rates(on: original)
            days += " or on \(original) (the corrected invoice's day)"
        }
        var listed: [ExactDecimal] = []
        for rate in rates where !listed.contains(rate) { listed.append(rate) }
        let list = listed.isEmpty ? "none" : listed.map(\.normalized.description).joined(separator: ", ")
        func check(_ rate: ExactDecimal?, _ field: String) {
            guard let rate, rate.isPercentage, !listed.contains(rate) else { return }
            c.add(.vatRateNotInForce, field, "\(rate) is not a VAT rate in force on \(days) (rates: \(list)): use one of these, or an exemption; if the law has changed, set [vat] in connector.toml")
        }
        for (index, item) in invoice.items.enumerated() { check(item.vatRate, "items[\(index)].vat_rate") }
        for (index, group) in invoice.taxGroups.enumerated() { check(group.vatRate, "tax_groups[\(index)].vat_rate") }
        for (index, approval) in invoice.approvals.enumerated() { check(approval.vatRate, "approvals[\(index)].vat_rate") }
    }

    private static func checkParties(_ invoice: Invoice, _ c: inout FieldChecks) {
        party(invoice.seller, "seller", &c)
        if invoice.selfIssuing == nil {
            if invoice.seller.idType != .tin {
                c.add(.invalidFormat, "seller.id_type", "'\(invoice.seller.idType.rawValue)' is not allowed: the seller of an invoice is identified by TIN (error 54)")
            } else {
                c.tin(invoice.seller.idNumber, "seller.id")
            }
        } else {
            // On a self-issued invoice the seller is the supplier; foreign suppliers need an address.
            if invoice.seller.country != nil && invoice.seller.country != "MNE" {
                for (value, name) in [(invoice.seller.address, "address"), (invoice.seller.town, "town")] where value == nil {
                    c.add(.required, "seller.\(name)", "is required for a foreign seller")
                }
            }
        }
        if let buyer = invoice.buyer {
            party(buyer, "buyer", &c)
            if buyer.idType == .tin { c.tin(buyer.idNumber, "buyer.id") }
            c.text(buyer.diplomaticTaxCard, "buyer.diplomatic_tax_card", maximum: 20)
            for (value, name) in [(buyer.address, "address"), (buyer.town, "town"), (buyer.country, "country")] where value == nil {
                c.add(.required, "buyer.\(name)", "is required whenever a buyer is given (the specification makes the buyer's address, town and country mandatory)")
            }
            if invoice.selfIssuing != nil && buyer.idType != .tin {
                c.add(.invalidFormat, "buyer.id_type", "'\(buyer.idType.rawValue)' is not allowed: on a self-issued invoice the buyer (the issuer) is identified by TIN (error 54)")
            }
        } else {
            let reason: String? = if invoice.selfIssuing != nil { "a self-issued invoice names its issuer as buyer" }
                else if invoice.kind == .periodical { "a PERIODICAL invoice is a statement to one buyer" }
                else if invoice.kind == .creditNote { "a CREDIT_NOTE is an approval between two businesses" }
                else if invoice.goodsExportAmount != nil { "an invoice with exported goods (GoodsExAmt) names its foreign buyer" }
                else { nil }
            if let reason { c.add(.buyerRequired, "buyer", "is required: \(reason)") }
        }
    }

    private static func party(_ party: Party, _ path: String, _ c: inout FieldChecks) {
        c.text(party.idNumber, "\(path).id", maximum: 20, required: true)
        c.text(party.name, "\(path).name", maximum: 400, required: true)
        c.text(party.address, "\(path).address", maximum: 200)
        c.text(party.town, "\(path).town", maximum: 100)
        c.country(party.country, "\(path).country")
        if path == "seller", party.diplomaticTaxCard != nil {
            c.add(.notAllowed, "seller.diplomatic_tax_card", "only a buyer can carry a diplomatic tax card (TIC)")
        }
    }

    private static func checkItems(_ invoice: Invoice, _ c: inout FieldChecks) {
        let items = invoice.items
        if items.isEmpty {
            switch invoice.kind {
            case .summary, .periodical, .creditNote:
                if invoice.taxGroups.isEmpty {
                    c.add(.required, "tax_groups", "a \(invoice.kind.rawValue) document without items needs its amounts per VAT rate in tax_groups (or items)")
                }
            default:
                c.add(.required, "items", "an invoice of kind \(invoice.kind.rawValue) needs at least one item")
            }
        } else if !invoice.taxGroups.isEmpty {
            c.add(.notAllowed, "tax_groups", "give either items or tax_groups: with items, the VAT groups are computed from them")
        }
        c.count(items.count, "items", maximum: 1000, what: "items", hint: "split the sale into several invoices")
        for (index, item) in items.enumerated() {
            let path = "items[\(index)]"
            c.text(item.name, "\(path).name", maximum: 50, required: true)
            c.text(item.code, "\(path).code", maximum: 50)
            c.text(item.unit, "\(path).unit", maximum: 50, required: true)
            c.amount(item.quantity, "\(path).quantity", decimals: 3)
            if item.quantity.isZero {
                c.add(.outOfRange, "\(path).quantity", "must not be 0: leave the line out, or use a negative quantity for a return")
            }
            if item.quantity.magnitude >= ExactDecimal(1_000_000_000) {
                c.add(.outOfRange, "\(path).quantity", "\(item.quantity) is too large")
            }
            c.amount(item.unitPrice, "\(path).unit_price", decimals: 4, nonNegative: true)
            if let rebate = item.rebatePercent {
                c.amount(rebate, "\(path).discount_percent", decimals: 2)
                if !rebate.isPercentage {
                    c.add(.outOfRange, "\(path).discount_percent", "\(rebate) is not a percentage between 0 and 100")
                }
            }
            if invoice.issuerInVAT {
                switch (item.vatRate, item.exemption) {
                case (nil, nil):
                    c.add(.required, "\(path).vat_rate", "is required because the issuer is in the VAT system: give the rate (21, 15, 7, 0) or an exemption (VAT_CLxx)")
                case (let rate?, nil):
                    c.amount(rate, "\(path).vat_rate", decimals: 2)
                    if !rate.isPercentage {
                        c.add(.outOfRange, "\(path).vat_rate", "\(rate) is not a VAT rate between 0 and 100")
                    }
                case (let rate?, _?) where !rate.isZero:
                    c.add(.notAllowed, "\(path).vat_rate", "an exempt item has no VAT rate: remove vat_rate \(rate) or the exemption")
                default:
                    break
                }
            } else {
                if let rate = item.vatRate, !rate.isZero {
                    c.add(.notAllowed, "\(path).vat_rate", "the issuer is not in the VAT system, so items carry no VAT: remove vat_rate \(rate) or set in_vat in the configuration")
                }
                if item.exemption != nil {
                    c.add(.notAllowed, "\(path).exemption", "the issuer is not in the VAT system, so items carry no VAT exemption: remove it")
                }
            }
            if let serial = item.voucherSerial, !isVoucherNumber(serial) {
                c.add(.invalidFormat, "\(path).voucher_serial", "'\(serial)' is not a voucher serial: expected NUMBER-YEAR-8DIGITS, e.g. 34564-2020-12345678")
            }
        }
        c.count(invoice.taxGroups.count, "tax_groups", maximum: 20, what: "groups", hint: "merge groups with the same rate")
        var seenGroups = Set<String>()
        for (index, group) in invoice.taxGroups.enumerated() {
            let path = "tax_groups[\(index)]"
            if group.count < 1 || group.count > Int(Int32.max) { c.add(.outOfRange, "\(path).count", "\(group.count) must be at least 1 (NumOfItems)") }
            if group.exemption != nil {
                if !group.vatAmount.isZero { c.add(.notAllowed, "\(path).vat_amount", "an exempt group carries no VAT: \(group.vatAmount) must be 0") }
                if let rate = group.vatRate, !rate.isZero { c.add(.notAllowed, "\(path).vat_rate", "an exempt group has no VAT rate: remove \(rate)") }
            } else if invoice.issuerInVAT, let rate = group.vatRate {
                let expected = group.priceBeforeVAT * rate * ExactDecimal(significand: 1, scale: 2)
                if (group.vatAmount - expected).magnitude > ExactDecimal(significand: 1, scale: 2) {
                    c.add(.totalMismatch, "\(path).vat_amount", "\(group.vatAmount) is not \(rate) % of \(group.priceBeforeVAT) (expected \(expected.formatted(2)), tolerance 0.01)")
                }
            }
            c.amount(group.priceBeforeVAT, "\(path).price_before_vat", decimals: 2)
            c.amount(group.vatAmount, "\(path).vat_amount", decimals: 2)
            if let rate = group.vatRate {
                c.amount(rate, "\(path).vat_rate", decimals: 2)
                if !rate.isPercentage { c.add(.outOfRange, "\(path).vat_rate", "\(rate) is not a VAT rate between 0 and 100") }
            }
            if !invoice.issuerInVAT && (!group.vatAmount.isZero || group.exemption != nil || (group.vatRate.map { !$0.isZero } ?? false)) {
                c.add(.notAllowed, path, "the issuer is not in the VAT system: give only count and price_before_vat")
            }
            let key = "\(group.vatRate?.normalized.description ?? "-")/\(group.exemption?.rawValue ?? "-")"
            if !seenGroups.insert(key).inserted {
                c.add(.duplicate, path, "a second group for the same VAT rate or exemption: merge them")
            }
        }
    }

    private static func checkPayments(_ invoice: Invoice, _ c: inout FieldChecks) {
        let payments = invoice.payments
        if payments.isEmpty {
            c.add(.required, "payments", "at least one payment method is required (use ORDER if the invoice is not paid yet)")
        }
        c.count(payments.count, "payments", maximum: 10, what: "payment methods", hint: "add up the amounts of the same method")
        var seen = Set<PaymentMethodType>()
        for (index, payment) in payments.enumerated() {
            let path = "payments[\(index)]"
            if !seen.insert(payment.type).inserted {
                c.add(.duplicate, "\(path).type", "\(payment.type.rawValue) appears more than once: the schema allows each method once, so add up their amounts")
            }
            c.amount(payment.amount, "\(path).amount", decimals: 2)
            c.text(payment.companyCard, "\(path).company_card", maximum: 50)
            c.text(payment.bankAccount, "\(path).bank_account", maximum: 50)
            if let advance = payment.advanceIIC { c.iic(advance, "\(path).advance_iic") }
            switch payment.type {
            case .company where payment.companyCard == nil:
                c.add(.required, "\(path).company_card", "is required for a COMPANY payment: the number of the company or gift card")
            case .advance where payment.advanceIIC == nil, .singlePurposeVoucher where payment.advanceIIC == nil:
                c.add(.required, "\(path).advance_iic", "is required for a \(payment.type.rawValue) payment: the IIC of the ADVANCE invoice that sold the advance or voucher")
            default:
                break
            }
            if payment.type != .company, payment.companyCard != nil {
                c.add(.notAllowed, "\(path).company_card", "only a COMPANY payment carries a company card")
            }
            if payment.type != .advance, payment.type != .singlePurposeVoucher, payment.advanceIIC != nil {
                c.add(.notAllowed, "\(path).advance_iic", "only ADVANCE and SVOUCHER payments refer to an advance invoice")
            }
            if payment.type == .singlePurposeVoucher {
                if payment.vouchers.isEmpty {
                    c.add(.required, "\(path).vouchers", "is required for an SVOUCHER payment: the numbers of the vouchers redeemed")
                }
                c.count(payment.vouchers.count, "\(path).vouchers", maximum: 20, what: "vouchers", hint: "split the payment")
                for (v, number) in payment.vouchers.enumerated() where !isVoucherNumber(number) {
                    c.add(.invalidFormat, "\(path).vouchers[\(v)]", "'\(number)' is not a voucher number: expected NUMBER-YEAR-8DIGITS, e.g. 34564-2020-12345678")
                }
            } else if !payment.vouchers.isEmpty {
                c.add(.notAllowed, "\(path).vouchers", "only an SVOUCHER payment lists vouchers")
            }
        }
        let cashMethods = payments.map(\.type).filter { PaymentMethodType.cashMethods.contains($0) }
        switch invoice.paymentKind {
        case .cash where cashMethods.isEmpty && !payments.isEmpty:
            c.add(.cashPaymentMissing, "payments", "a CASH invoice must include BANKNOTE, CARD or OTHER-CASH; with \(payments.map(\.type.rawValue).joined(separator: ", ")) only, issue it as NONCASH")
        case .noncash where !cashMethods.isEmpty:
            c.add(.cashPaymentNotAllowed, "payments", "a NONCASH invoice must not include \(cashMethods.map(\.rawValue).joined(separator: ", ")); issue it as CASH")
        default:
            break
        }
    }

    private static func checkReferences(_ invoice: Invoice, _ c: inout FieldChecks) {
        if let correction = invoice.correction {
            c.iic(correction.original.iic, "corrects.iic")
            if invoice.kind != .corrective {
                c.add(.notAllowed, "corrects", "only a CORRECTIVE document refers to the invoice it corrects: set kind to CORRECTIVE or remove corrects")
            }
        } else if invoice.kind == .corrective {
            c.add(.referenceRequired, "corrects", "a CORRECTIVE document needs the IIC and issue time of the invoice it corrects")
        }
        if let badDebt = invoice.badDebt { c.iic(badDebt.iic, "bad_debt.iic") }
        c.count(invoice.references.count, "references", maximum: 1000, what: "references", hint: "split the document")
        for (index, reference) in invoice.references.enumerated() {
            c.iic(reference.invoice.iic, "references[\(index)].iic")
            c.amount(reference.amount, "references[\(index)].amount", decimals: 2)
        }
        if invoice.references.isEmpty {
            switch invoice.kind {
            case .summary: c.add(.referenceRequired, "references", "a SUMMARY invoice lists the ORDER invoices it settles (IIC, issue time, total)")
            case .periodical: c.add(.referenceRequired, "references", "a PERIODICAL invoice lists the invoices of the period (IIC, issue time, total)")
            case .creditNote: c.add(.referenceRequired, "references", "a CREDIT_NOTE lists the invoices it approves against")
            default: break
            }
        }
        if invoice.kind == .creditNote {
            if invoice.approvals.isEmpty {
                c.add(.required, "approvals", "a CREDIT_NOTE needs its approvals, one per VAT rate or exemption")
            }
        } else if !invoice.approvals.isEmpty {
            c.add(.notAllowed, "approvals", "only a CREDIT_NOTE carries approvals")
        }
        c.count(invoice.approvals.count, "approvals", maximum: 20, what: "approvals", hint: "one approval per VAT rate")
        for (index, approval) in invoice.approvals.enumerated() {
            let path = "approvals[\(index)]"
            c.amount(approval.discountAmount, "\(path).discount_amount", decimals: 2)
            c.amount(approval.returnAmount, "\(path).return_amount", decimals: 2)
            c.amount(approval.vatRate, "\(path).vat_rate", decimals: 2)
            c.amount(approval.exemptAmount, "\(path).exempt_amount", decimals: 2)
            c.amount(approval.vatAmount, "\(path).vat_amount", decimals: 2)
            c.amount(approval.totalAmount, "\(path).total_amount", decimals: 2)
        }
    }

    private static func checkOptional(_ invoice: Invoice, _ c: inout FieldChecks) {
        c.count(invoice.fees.count, "fees", maximum: 20, what: "fees", hint: "add up fees of the same type")
        var feeTypes = Set<FeeType>()
        for (index, fee) in invoice.fees.enumerated() {
            if !feeTypes.insert(fee.type).inserted {
                c.add(.duplicate, "fees[\(index)].type", "\(fee.type.rawValue) appears more than once: add up the amounts")
            }
            c.amount(fee.amount, "fees[\(index)].amount", decimals: 2)
        }
        if let currency = invoice.currency {
            if !CodeLists.currencies.contains(currency.code) {
                c.add(.unknownCode, "currency.code", "'\(currency.code)' is not an ISO 4217 code the tax authority accepts")
            }
            c.amount(currency.exchangeRate, "currency.exchange_rate", decimals: 6, positive: true)
        }
        c.amount(invoice.markUpAmount, "markup_amount", decimals: 2)
        c.amount(invoice.goodsExportAmount, "goods_export_amount", decimals: 2)
        c.amount(invoice.amountToPay, "amount_to_pay", decimals: 2, nonNegative: true)
        c.text(invoice.paragonBlockNumber, "paragon_block_number", maximum: 20)
        c.text(invoice.bankAccount, "bank_account", maximum: 50)
        c.text(invoice.note, "note", maximum: 200)
        if invoice.bankAccount != nil && invoice.paymentKind == .cash {
            c.add(.notAllowed, "bank_account", "the account to pay to belongs on NONCASH invoices only")
        }
        if let period = invoice.taxPeriod, !isTaxPeriod(period) {
            c.add(.invalidFormat, "tax_period", "'\(period)' is not a tax period: expected MM/YYYY, e.g. 05/2026")
        }
    }

    private static func checkAmounts(_ invoice: Invoice, _ amounts: InvoiceAmounts, _ c: inout FieldChecks) {
        let total = amounts.totals.price
        let paid = invoice.payments.map(\.amount).sum()
        if paid != total {
            let difference = paid - total
            c.add(.paymentTotalMismatch, "payments", "add up to \(paid.formatted(2)) but the invoice total (TotPrice) is \(total.formatted(2)); the difference is \(difference.formatted(2)): correct the payment amounts")
        }
        if invoice.kind == .creditNote {
            let approved = invoice.approvals.map(\.totalAmount).sum()
            if approved != total {
                c.add(.totalMismatch, "approvals", "approval totals add up to \(approved.formatted(2)) but the credit note total is \(total.formatted(2)): they must agree")
            }
            if total > .zero {
                c.add(.outOfRange, "tax_groups", "a CREDIT_NOTE reduces turnover, so its total \(total.formatted(2)) must be negative")
            }
        }
        if invoice.kind == .summary || invoice.kind == .periodical {
            let referenced = invoice.references.map(\.amount).sum()
            if referenced != total {
                c.add(.totalMismatch, "references", "the referenced invoices add up to \(referenced.formatted(2)) but this \(invoice.kind.rawValue) totals \(total.formatted(2)): a \(invoice.kind.rawValue) invoice sums the invoices it references")
            }
        }
        if invoice.badDebt != nil && total > .zero {
            c.add(.outOfRange, "bad_debt", "an invoice declaring a bad debt carries negative values, but its total is \(total.formatted(2))")
        }
        if amounts.sameTaxes.count > 20 {
            c.add(.tooMany, "items", "the items use \(amounts.sameTaxes.count) different VAT rates or exemptions, at most 20 are allowed")
        }
        if invoice.amountToPay != nil && total.isNegative {
            c.add(.notAllowed, "amount_to_pay", "cannot be given on a document with a negative total")
        }
    }

    static func isVoucherNumber(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigitCharacter) }) else { return false }
        return (1...8).contains(parts[0].count) && parts[0].first != "0" && parts[1].count == 4 && parts[2].count == 8
    }

    static func isTaxPeriod(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 4,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigitCharacter) }), let month = Int(parts[0]) else { return false }
        return (1...12).contains(month)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}
