import FiscalCore

/// Writes the `RegisterInvoiceRequest` element of an invoice in canonical form (attributes in
/// code point order, as exclusive C14N sorts them).
enum RegisterInvoiceRequest {
    static func canonical(invoice: Invoice, amounts: InvoiceAmounts, iic: IIC, header: MessageHeader) -> [UInt8] {
        var w = CanonicalXMLWriter(capacity: 3072 + amounts.lines.count * 300)
        w.startTag("RegisterInvoiceRequest", namespace: "https://efi.tax.gov.me/fs/schema")
        w.attribute("Id", "Request")
        w.attribute("Version", "1")
        w.endStartTag()
        header.write(&w)
        let totals = amounts.totals
        w.startTag("Invoice")
        w.attribute("BankAccNum", invoice.bankAccount)
        w.attribute("BusinUnitCode", invoice.device.businessUnit)
        w.attribute("GoodsExAmt", invoice.goodsExportAmount, places: 2)
        w.attribute("IIC", iic.code)
        w.attribute("IICSignature", iic.signature)
        w.attribute("InvNum", invoice.number)
        w.attribute("InvOrdNum", String(invoice.ordinal))
        w.attribute("InvType", invoice.kind.rawValue)
        w.attribute("IsIssuerInVAT", invoice.issuerInVAT ? "true" : "false")
        w.attribute("IssueDateTime", invoice.issuedAt.text)
        w.attribute("MarkUpAmt", invoice.markUpAmount, places: 2)
        w.attribute("Note", invoice.note)
        w.attribute("OperatorCode", invoice.operatorCode)
        w.attribute("ParagonBlockNum", invoice.paragonBlockNumber)
        w.attribute("PayDeadline", invoice.payDeadline?.description)
        w.attribute("SoftCode", invoice.device.software)
        w.attribute("TCRCode", invoice.device.tcr)
        w.attribute("TaxFreeAmt", totals.taxFreeAmount, places: 2)
        w.attribute("TaxPeriod", invoice.taxPeriod)
        w.attribute("TotPrice", totals.price, places: 2)
        w.attribute("TotPriceToPay", invoice.amountToPay, places: 2)
        w.attribute("TotPriceWoVAT", totals.priceWithoutVAT, places: 2)
        w.attribute("TotVATAmt", totals.vatAmount, places: 2)
        w.attribute("TypeOfInv", invoice.paymentKind.rawValue)
        w.attribute("TypeOfSelfIss", invoice.selfIssuing?.rawValue)
        w.endStartTag()
        if let correction = invoice.correction {
            w.startTag("CorrectiveInv")
            w.attribute("IICRef", correction.original.iic)
            w.attribute("IssueDateTime", correction.original.issuedAt.text)
            w.attribute("Type", correction.type.rawValue)
            w.endStartTag()
            w.close("CorrectiveInv")
        }
        w.open("PayMethods")
        for payment in invoice.payments {
            w.startTag("PayMethod")
            w.attribute("AdvIIC", payment.advanceIIC)
            w.attribute("Amt", payment.amount, places: 2)
            w.attribute("BankAcc", payment.bankAccount)
            w.attribute("CompCard", payment.companyCard)
            w.attribute("Type", payment.type.rawValue)
            w.endStartTag()
            if !payment.vouchers.isEmpty {
                w.open("Vouchers")
                for number in payment.vouchers {
                    w.startTag("Voucher")
                    w.attribute("Num", number)
                    w.endStartTag()
                    w.close("Voucher")
                }
                w.close("Vouchers")
            }
            w.close("PayMethod")
        }
        w.close("PayMethods")
        if let currency = invoice.currency {
            w.startTag("Currency")
            w.attribute("Code", currency.code)
            w.attribute("ExRate", currency.exchangeRate.normalized.description)
            w.endStartTag()
            w.close("Currency")
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
                w.startTag("SameTax")
                w.attribute("ExemptFromVAT", group.exemption?.rawValue)
                w.attribute("NumOfItems", String(group.count))
                w.attribute("PriceBefVAT", group.priceBeforeVAT, places: 2)
                w.attribute("VATAmt", group.vatAmount, places: 2)
                w.attribute("VATRate", group.vatRate, places: 2)
                w.endStartTag()
                w.close("SameTax")
            }
            w.close("SameTaxes")
        }
        if !invoice.approvals.isEmpty {
            w.open("Approvals")
            for approval in invoice.approvals {
                w.startTag("Approval")
                w.attribute("DiscountAmt", approval.discountAmount, places: 2)
                w.attribute("ExemptFromVAT", approval.exemptAmount, places: 2)
                w.attribute("ReturnAmt", approval.returnAmount, places: 2)
                w.attribute("TotalAmt", approval.totalAmount, places: 2)
                w.attribute("VATAmt", approval.vatAmount, places: 2)
                w.attribute("VATRate", approval.vatRate, places: 2)
                w.endStartTag()
                w.close("Approval")
            }
            w.close("Approvals")
        }
        if !invoice.fees.isEmpty {
            w.open("Fees")
            for fee in invoice.fees {
                w.startTag("Fee")
                w.attribute("Amt", fee.amount, places: 2)
                w.attribute("Type", fee.type.rawValue)
                w.endStartTag()
                w.close("Fee")
            }
            w.close("Fees")
        }
        if !invoice.references.isEmpty {
            w.open("IICRefs")
            for reference in invoice.references {
                w.startTag("IICRef")
                w.attribute("Amount", reference.amount, places: 2)
                w.attribute("IIC", reference.invoice.iic)
                w.attribute("IssueDateTime", reference.invoice.issuedAt.text)
                w.endStartTag()
                w.close("IICRef")
            }
            w.close("IICRefs")
        }
        if let badDebt = invoice.badDebt {
            w.startTag("BadDebtInv")
            w.attribute("IICRef", badDebt.iic)
            w.attribute("IssueDateTime", badDebt.issuedAt.text)
            w.endStartTag()
            w.close("BadDebtInv")
        }
        w.close("Invoice")
        w.close("RegisterInvoiceRequest")
        return w.bytes
    }

    private static func party(_ name: StaticString, _ party: Party, _ w: inout CanonicalXMLWriter) {
        w.startTag(name)
        w.attribute("Address", party.address)
        w.attribute("Country", party.country)
        w.attribute("IDNum", party.idNumber)
        w.attribute("IDType", party.idType.rawValue)
        w.attribute("Name", party.name)
        w.attribute("TIC", name.description == "Buyer" ? party.diplomaticTaxCard : nil)
        w.attribute("Town", party.town)
        w.endStartTag()
        w.close(name)
    }

    private static func item(_ line: CalculatedLine, _ w: inout CanonicalXMLWriter) {
        let item = line.item
        let rebate = item.rebatePercent.flatMap { $0.isZero ? nil : $0 }
        w.startTag("I")
        w.attribute("C", item.code)
        w.attribute("EX", item.exemption?.rawValue)
        w.attribute("IN", item.isInvestment.map { $0 ? "true" : "false" })
        w.attribute("N", item.name)
        w.attribute("PA", line.price, places: 4)
        w.attribute("PB", line.priceBeforeVAT, places: 4)
        w.attribute("Q", quantity(item.quantity))
        w.attribute("R", rebate, places: 2)
        w.attribute("RR", line.rebateReducesBase.map { $0 ? "true" : "false" })
        w.attribute("U", item.unit)
        w.attribute("UPA", line.unitPriceAfterVAT, places: 4)
        w.attribute("UPB", line.unitPriceBeforeVAT, places: 4)
        w.attribute("VA", line.vatAmount, places: 4)
        w.attribute("VD", item.voucherValidUntil?.description)
        w.attribute("VR", line.vatRate, places: 2)
        w.attribute("VSN", item.voucherSerial)
        w.endStartTag()
        w.close("I")
    }

    /// Quantities with the decimals they need, at most three.
    static func quantity(_ value: ExactDecimal) -> String { value.normalized.description }
}
