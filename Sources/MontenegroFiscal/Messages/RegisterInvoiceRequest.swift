import FiscalCore

/// Writes the `RegisterInvoiceRequest` element of an invoice in canonical form.
enum RegisterInvoiceRequest {
    static func canonical(invoice: Invoice, amounts: InvoiceAmounts, iic: IIC, header: MessageHeader) -> String {
        var w = CanonicalXMLWriter(capacity: 2048 + amounts.lines.count * 300)
        w.open("RegisterInvoiceRequest", namespace: SignedMessage.namespace, [("Id", "Request"), ("Version", "1")])
        header.write(&w)
        let totals = amounts.totals
        w.open("Invoice", [
            ("InvType", invoice.kind.rawValue),
            ("TypeOfInv", invoice.paymentKind.rawValue),
            ("TypeOfSelfIss", invoice.selfIssuing?.rawValue),
            ("IssueDateTime", invoice.issuedAt.text),
            ("InvNum", invoice.number),
            ("InvOrdNum", String(invoice.ordinal)),
            ("TCRCode", invoice.device.tcr),
            ("IsIssuerInVAT", invoice.issuerInVAT ? "true" : "false"),
            ("TaxFreeAmt", totals.taxFreeAmount.map(money)),
            ("MarkUpAmt", invoice.markUpAmount.map(money)),
            ("GoodsExAmt", invoice.goodsExportAmount.map(money)),
            ("TotPriceWoVAT", money(totals.priceWithoutVAT)),
            ("TotVATAmt", totals.vatAmount.map(money)),
            ("TotPrice", money(totals.price)),
            ("TotPriceToPay", invoice.amountToPay.map(money)),
            ("OperatorCode", invoice.operatorCode),
            ("BusinUnitCode", invoice.device.businessUnit),
            ("SoftCode", invoice.device.software),
            ("IIC", iic.code),
            ("IICSignature", iic.signature),
            ("PayDeadline", invoice.payDeadline?.description),
            ("ParagonBlockNum", invoice.paragonBlockNumber),
            ("TaxPeriod", invoice.taxPeriod),
            ("BankAccNum", invoice.bankAccount),
            ("Note", invoice.note),
        ])
        if let correction = invoice.correction {
            w.element("CorrectiveInv", [("IICRef", correction.original.iic), ("IssueDateTime", correction.original.issuedAt.text), ("Type", correction.type.rawValue)])
        }
        w.open("PayMethods")
        for payment in invoice.payments {
            let attributes: [(String, String?)] = [
                ("Type", payment.type.rawValue), ("Amt", money(payment.amount)), ("CompCard", payment.companyCard),
                ("AdvIIC", payment.advanceIIC), ("BankAcc", payment.bankAccount),
            ]
            if payment.vouchers.isEmpty {
                w.element("PayMethod", attributes)
            } else {
                w.open("PayMethod", attributes)
                w.open("Vouchers")
                for number in payment.vouchers { w.element("Voucher", [("Num", number)]) }
                w.close("Vouchers")
                w.close("PayMethod")
            }
        }
        w.close("PayMethods")
        if let currency = invoice.currency {
            w.element("Currency", [("Code", currency.code), ("ExRate", currency.exchangeRate.normalized.description)])
        }
        party("Seller", invoice.seller, &w)
        if let buyer = invoice.buyer { party("Buyer", buyer, &w) }
        if !amounts.lines.isEmpty {
            w.open("Items")
            for line in amounts.lines { item(line, &w) }
            w.close("Items")
        }
        if !amounts.sameTaxes.isEmpty {
            w.open("SameTaxes")
            for group in amounts.sameTaxes {
                w.element("SameTax", [
                    ("NumOfItems", String(group.count)), ("PriceBefVAT", money(group.priceBeforeVAT)),
                    ("VATRate", money(group.vatRate)), ("ExemptFromVAT", group.exemption?.rawValue), ("VATAmt", money(group.vatAmount)),
                ])
            }
            w.close("SameTaxes")
        }
        if !invoice.approvals.isEmpty {
            w.open("Approvals")
            for approval in invoice.approvals {
                w.element("Approval", [
                    ("DiscountAmt", approval.discountAmount.map(money)), ("ReturnAmt", approval.returnAmount.map(money)),
                    ("VATRate", approval.vatRate.map(money)), ("ExemptFromVAT", approval.exemptAmount.map(money)),
                    ("VATAmt", approval.vatAmount.map(money)), ("TotalAmt", money(approval.totalAmount)),
                ])
            }
            w.close("Approvals")
        }
        if !invoice.fees.isEmpty {
            w.open("Fees")
            for fee in invoice.fees { w.element("Fee", [("Type", fee.type.rawValue), ("Amt", money(fee.amount))]) }
            w.close("Fees")
        }
        if !invoice.references.isEmpty {
            w.open("IICRefs")
            for reference in invoice.references {
                w.element("IICRef", [("IIC", reference.invoice.iic), ("IssueDateTime", reference.invoice.issuedAt.text), ("Amount", money(reference.amount))])
            }
            w.close("IICRefs")
        }
        if let badDebt = invoice.badDebt {
            w.element("BadDebtInv", [("IICRef", badDebt.iic), ("IssueDateTime", badDebt.issuedAt.text)])
        }
        w.close("Invoice")
        w.close("RegisterInvoiceRequest")
        return w.text
    }

    private static func party(_ name: String, _ party: Party, _ w: inout CanonicalXMLWriter) {
        w.element(name, [
            ("IDType", party.idType.rawValue), ("IDNum", party.idNumber), ("Name", party.name), ("Address", party.address),
            ("Town", party.town), ("Country", party.country), ("TIC", name == "Buyer" ? party.diplomaticTaxCard : nil),
        ])
    }

    private static func item(_ line: CalculatedLine, _ w: inout CanonicalXMLWriter) {
        let item = line.item
        let rebate = item.rebatePercent.flatMap { $0.isZero ? nil : $0 }
        w.element("I", [
            ("N", item.name), ("C", item.code), ("U", item.unit),
            ("Q", quantity(item.quantity)),
            ("UPB", line.unitPriceBeforeVAT.formatted(4)), ("UPA", line.unitPriceAfterVAT.formatted(4)),
            ("R", rebate.map(money)), ("RR", line.rebateReducesBase.map { $0 ? "true" : "false" }),
            ("PB", line.priceBeforeVAT.formatted(4)),
            ("VR", line.vatRate.map(money)), ("VA", line.vatAmount.map { $0.formatted(4) }),
            ("IN", item.isInvestment.map { $0 ? "true" : "false" }),
            ("PA", line.price.formatted(4)),
            ("EX", item.exemption?.rawValue), ("VD", item.voucherValidUntil?.description), ("VSN", item.voucherSerial),
        ])
    }

    /// Amounts with exactly two decimals (`DecimalSType`), never `-0.00`.
    static func money(_ value: ExactDecimal) -> String { value.formatted(2) }

    /// Quantities with the decimals they need, at most three.
    static func quantity(_ value: ExactDecimal) -> String { value.normalized.description }
}
