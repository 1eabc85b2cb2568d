public import FiscalCore
public import Foundation
public import MontenegroFiscal

/// An invoice as invoicing software sends it (JSON, CSV or text), before the connector adds the
/// configured taxpayer, device and ordinal. Amounts are exact decimals (JSON strings or numbers).
public struct InvoiceRequest: Sendable, Codable, Equatable {
    /// The caller's unique id of the invoice; the idempotency key.
    public var reference: String
    /// `CASH` or `NONCASH`.
    public var invoiceType: String
    /// `INVOICE` (default), `CORRECTIVE`, `SUMMARY`, `PERIODICAL`, `ADVANCE`, `CREDIT_NOTE`.
    public var kind: String?
    /// Issue time with offset; default now.
    public var issuedAt: String?
    /// Operator code; default the configuration's.
    public var operatorCode: String?
    /// Whether unit prices include VAT; default true.
    public var pricesIncludeVAT: Bool?
    /// For self-issued invoices: AGREEMENT, DOMESTIC, ABROAD, SELF, OTHER.
    public var selfIssuing: String?
    /// The supplier on a self-issued invoice (the configured taxpayer is then the buyer).
    public var seller: PartyInput?
    /// The buyer.
    public var buyer: PartyInput?
    /// The lines.
    public var items: [ItemInput]?
    /// Amounts per VAT rate, for documents without items.
    public var taxGroups: [TaxGroupInput]?
    /// Payments.
    public var payments: [PaymentInput]?
    /// Fees.
    public var fees: [FeeInput]?
    /// The invoice corrected (CORRECTIVE).
    public var corrects: CorrectionInput?
    /// Referenced invoices (SUMMARY, PERIODICAL, CREDIT_NOTE, advance corrections).
    public var references: [ReferenceInput]?
    /// Credit-note approvals.
    public var approvals: [ApprovalInput]?
    /// The invoice declared a bad debt.
    public var badDebt: InvoiceReferenceInput?
    /// Foreign currency.
    public var currency: CurrencyInput?
    /// `MarkUpAmt`.
    public var markupAmount: ExactDecimal?
    /// `GoodsExAmt`.
    public var goodsExportAmount: ExactDecimal?
    /// `TotPriceToPay`.
    public var amountToPay: ExactDecimal?
    /// `PayDeadline`, `YYYY-MM-DD`.
    public var payDeadline: String?
    /// `ParagonBlockNum`.
    public var paragonBlockNumber: String?
    /// `TaxPeriod`, `MM/YYYY`.
    public var taxPeriod: String?
    /// `BankAccNum`.
    public var bankAccount: String?
    /// `Note`.
    public var note: String?

    /// Creates a request; everything not given is left out.
    public init(reference: String, invoiceType: String, kind: String? = nil, issuedAt: String? = nil, operatorCode: String? = nil,
                pricesIncludeVAT: Bool? = nil, selfIssuing: String? = nil, seller: PartyInput? = nil, buyer: PartyInput? = nil,
                items: [ItemInput]? = nil, taxGroups: [TaxGroupInput]? = nil, payments: [PaymentInput]? = nil, fees: [FeeInput]? = nil,
                corrects: CorrectionInput? = nil, references: [ReferenceInput]? = nil, approvals: [ApprovalInput]? = nil,
                badDebt: InvoiceReferenceInput? = nil, currency: CurrencyInput? = nil, note: String? = nil) {
        self.reference = reference
        self.invoiceType = invoiceType
        self.kind = kind
        self.issuedAt = issuedAt
        self.operatorCode = operatorCode
        self.pricesIncludeVAT = pricesIncludeVAT
        self.selfIssuing = selfIssuing
        self.seller = seller
        self.buyer = buyer
        self.items = items
        self.taxGroups = taxGroups
        self.payments = payments
        self.fees = fees
        self.corrects = corrects
        self.references = references
        self.approvals = approvals
        self.badDebt = badDebt
        self.currency = currency
        self.note = note
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case reference, invoiceType = "invoice_type", kind, issuedAt = "issued_at", operatorCode = "operator_code"
        case pricesIncludeVAT = "prices_include_vat", selfIssuing = "self_issuing", seller, buyer, items
        case taxGroups = "tax_groups", payments, fees, corrects, references, approvals, badDebt = "bad_debt", currency
        case markupAmount = "markup_amount", goodsExportAmount = "goods_export_amount", amountToPay = "amount_to_pay"
        case payDeadline = "pay_deadline", paragonBlockNumber = "paragon_block_number", taxPeriod = "tax_period"
        case bankAccount = "bank_account", note
    }

    /// A seller or buyer.
    public struct PartyInput: Sendable, Codable, Equatable {
        public var idType: String?
        public var id: String
        public var name: String
        public var address: String?
        public var town: String?
        public var country: String?
        public var diplomaticTaxCard: String?

        /// Creates a party.
        public init(idType: String? = nil, id: String, name: String, address: String? = nil, town: String? = nil, country: String? = nil, diplomaticTaxCard: String? = nil) {
            self.idType = idType; self.id = id; self.name = name; self.address = address; self.town = town; self.country = country
            self.diplomaticTaxCard = diplomaticTaxCard
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case idType = "id_type", id, name, address, town, country, diplomaticTaxCard = "diplomatic_tax_card"
        }
    }

    /// One line.
    public struct ItemInput: Sendable, Codable, Equatable {
        public var name: String
        public var code: String?
        public var unit: String?
        public var quantity: ExactDecimal
        public var unitPrice: ExactDecimal
        public var vatRate: ExactDecimal?
        public var discountPercent: ExactDecimal?
        public var exemption: String?
        public var isInvestment: Bool?
        public var voucherValidUntil: String?
        public var voucherSerial: String?

        /// Creates an item.
        public init(name: String, code: String? = nil, unit: String? = nil, quantity: ExactDecimal, unitPrice: ExactDecimal, vatRate: ExactDecimal? = nil,
                    discountPercent: ExactDecimal? = nil, exemption: String? = nil, isInvestment: Bool? = nil, voucherValidUntil: String? = nil, voucherSerial: String? = nil) {
            self.name = name; self.code = code; self.unit = unit; self.quantity = quantity; self.unitPrice = unitPrice; self.vatRate = vatRate
            self.discountPercent = discountPercent; self.exemption = exemption; self.isInvestment = isInvestment
            self.voucherValidUntil = voucherValidUntil; self.voucherSerial = voucherSerial
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, code, unit, quantity, unitPrice = "unit_price", vatRate = "vat_rate", discountPercent = "discount_percent"
            case exemption, isInvestment = "is_investment", voucherValidUntil = "voucher_valid_until", voucherSerial = "voucher_serial"
        }
    }

    /// Amounts of one VAT rate.
    public struct TaxGroupInput: Sendable, Codable, Equatable {
        public var count: ExactDecimal
        public var priceBeforeVAT: ExactDecimal
        public var vatRate: ExactDecimal?
        public var exemption: String?
        public var vatAmount: ExactDecimal?

        /// Creates a group.
        public init(count: ExactDecimal, priceBeforeVAT: ExactDecimal, vatRate: ExactDecimal?, exemption: String? = nil, vatAmount: ExactDecimal?) {
            self.count = count; self.priceBeforeVAT = priceBeforeVAT; self.vatRate = vatRate; self.exemption = exemption; self.vatAmount = vatAmount
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case count, priceBeforeVAT = "price_before_vat", vatRate = "vat_rate", exemption, vatAmount = "vat_amount"
        }
    }

    /// One payment.
    public struct PaymentInput: Sendable, Codable, Equatable {
        public var type: String
        public var amount: ExactDecimal
        public var companyCard: String?
        public var advanceIIC: String?
        public var bankAccount: String?
        public var vouchers: [String]?

        /// Creates a payment.
        public init(type: String, amount: ExactDecimal, companyCard: String? = nil, advanceIIC: String? = nil, bankAccount: String? = nil, vouchers: [String]? = nil) {
            self.type = type; self.amount = amount; self.companyCard = companyCard; self.advanceIIC = advanceIIC
            self.bankAccount = bankAccount; self.vouchers = vouchers
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case type, amount, companyCard = "company_card", advanceIIC = "advance_iic", bankAccount = "bank_account", vouchers
        }
    }

    /// One fee.
    public struct FeeInput: Sendable, Codable, Equatable {
        public var type: String
        public var amount: ExactDecimal

        enum CodingKeys: String, CodingKey, CaseIterable { case type, amount }
    }

    /// An earlier invoice.
    public struct InvoiceReferenceInput: Sendable, Codable, Equatable {
        public var iic: String
        public var issuedAt: String

        enum CodingKeys: String, CodingKey, CaseIterable { case iic, issuedAt = "issued_at" }
    }

    /// The corrected invoice.
    public struct CorrectionInput: Sendable, Codable, Equatable {
        public var iic: String
        public var issuedAt: String
        public var type: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case iic, issuedAt = "issued_at", type }
    }

    /// A referenced invoice with its amount. The issue time and amount may be left out for an
    /// invoice this connector issued: they are taken from the journal (and checked when given).
    public struct ReferenceInput: Sendable, Codable, Equatable {
        public var iic: String
        public var issuedAt: String?
        public var amount: ExactDecimal?

        /// Creates a reference.
        public init(iic: String, issuedAt: String? = nil, amount: ExactDecimal? = nil) {
            self.iic = iic; self.issuedAt = issuedAt; self.amount = amount
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case iic, issuedAt = "issued_at", amount }
    }

    /// A credit-note approval.
    public struct ApprovalInput: Sendable, Codable, Equatable {
        public var discountAmount: ExactDecimal?
        public var returnAmount: ExactDecimal?
        public var vatRate: ExactDecimal?
        public var exemptAmount: ExactDecimal?
        public var vatAmount: ExactDecimal?
        public var totalAmount: ExactDecimal

        enum CodingKeys: String, CodingKey, CaseIterable {
            case discountAmount = "discount_amount", returnAmount = "return_amount", vatRate = "vat_rate"
            case exemptAmount = "exempt_amount", vatAmount = "vat_amount", totalAmount = "total_amount"
        }
    }

    /// A foreign currency.
    public struct CurrencyInput: Sendable, Codable, Equatable {
        public var code: String
        public var exchangeRate: ExactDecimal

        enum CodingKeys: String, CodingKey, CaseIterable { case code, exchangeRate = "exchange_rate" }
    }
}

extension InvoiceRequest {
    /// Parses the JSON form. Numbers are read from their text, so `2.675` stays `2.675`.
    /// Unknown and repeated keys are refused, each with its path and the fix.
    public static func decode(json data: Data) throws(ValidationError) -> InvoiceRequest {
        if data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            throw ValidationError([ValidationIssue(.required, field: "input", "the invoice is empty: send one invoice as a JSON object (the README's 'Input formats' and openapi.yaml show complete examples)")])
        }
        let keyIssues = keyIssues(json: data)
        // Key problems come first (a misspelt required key is better named than "missing"), unless
        // the text is not JSON at all: then the decoder's syntax error says more.
        if !keyIssues.isEmpty, (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil {
            throw ValidationError(keyIssues)
        }
        do {
            return try JSONDecoder().decode(InvoiceRequest.self, from: ExactJSON.quotingNumbers(data))
        } catch let error as DecodingError {
            throw ValidationError([ExactJSON.issue(for: error)])
        } catch {
            throw ValidationError([ValidationIssue(.invalidFormat, field: "input", "the input is not JSON: \(error)")])
        }
    }

    /// SHA-256 of the canonical JSON of this request: equal requests have equal hashes.
    public var contentHash: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Hex.upper(Digest.sha256([UInt8]((try? encoder.encode(self)) ?? Data())))
    }

    /// Builds the protocol invoice for the configured taxpayer and device, with its ordinal.
    /// Unknown enumeration values come back as issues naming the field.
    public func invoice(configuration: ConnectorConfiguration, ordinal: Int, issuedAt: FiscalTimestamp) throws(ValidationError) -> Invoice {
        var issues: [ValidationIssue] = []
        func value<T: RawRepresentable & CaseIterable>(_ text: String?, _ field: String, default fallback: T? = nil) -> T? where T.RawValue == String {
            guard let text else { return fallback }
            if let parsed = T(rawValue: text.uppercased()) { return parsed }
            issues.append(ValidationIssue(.unknownCode, field: field, "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"))
            return fallback
        }
        func date(_ text: String?, _ field: String) -> FiscalDate? {
            guard let text else { return nil }
            if let parsed = FiscalDate(text) { return parsed }
            issues.append(ValidationIssue(.invalidFormat, field: field, "'\(text)' is not a date such as 2026-11-21"))
            return nil
        }
        func timestamp(_ text: String, _ field: String) -> FiscalTimestamp {
            if let parsed = FiscalTimestamp(text) { return parsed }
            issues.append(ValidationIssue(.invalidFormat, field: field, "'\(text)' is not a date-time with offset such as 2026-11-21T10:15:00+01:00"))
            return issuedAt
        }
        func party(_ input: PartyInput, _ path: String) -> Party {
            Party(idType: value(input.idType, "\(path).id_type", default: IDType.tin) ?? .tin, idNumber: input.id, name: input.name,
                  address: input.address, town: input.town, country: input.country?.uppercased(), diplomaticTaxCard: input.diplomaticTaxCard)
        }
        let taxpayer = configuration.taxpayer
        let me = Party(idType: .tin, idNumber: taxpayer.tin, name: taxpayer.name, address: taxpayer.address, town: taxpayer.town, country: taxpayer.country)
        let selfIssuing: SelfIssuingType? = value(selfIssuing, "self_issuing")
        var seller = me, buyer = self.buyer.map { party($0, "buyer") }
        if selfIssuing != nil {
            if let supplier = self.seller { seller = party(supplier, "seller") } else {
                issues.append(ValidationIssue(.required, field: "seller", "a self-issued invoice names its supplier as seller"))
            }
            buyer = me
        } else if self.seller != nil {
            issues.append(ValidationIssue(.notAllowed, field: "seller", "the seller is the configured taxpayer; give a seller only on self-issued invoices"))
        }
        let items = (self.items ?? []).enumerated().map { index, item in
            InvoiceItem(name: item.name, code: item.code, unit: item.unit ?? "kom", quantity: item.quantity, unitPrice: item.unitPrice,
                        rebatePercent: item.discountPercent, vatRate: item.vatRate,
                        exemption: value(item.exemption, "items[\(index)].exemption"), isInvestment: item.isInvestment,
                        voucherValidUntil: date(item.voucherValidUntil, "items[\(index)].voucher_valid_until"), voucherSerial: item.voucherSerial)
        }
        let groups = (taxGroups ?? []).enumerated().map { index, group -> TaxGroup in
            let count = Int(group.count.description) ?? 0
            if Int(group.count.description) == nil {
                issues.append(ValidationIssue(.invalidFormat, field: "tax_groups[\(index)].count", "'\(group.count)' is not a whole number"))
            }
            return TaxGroup(count: count, priceBeforeVAT: group.priceBeforeVAT, vatRate: group.vatRate,
                            exemption: value(group.exemption, "tax_groups[\(index)].exemption"), vatAmount: group.vatAmount ?? .zero)
        }
        let payments = (self.payments ?? []).enumerated().compactMap { index, payment -> Payment? in
            guard let type: PaymentMethodType = value(payment.type, "payments[\(index)].type") else { return nil }
            return Payment(type: type, amount: payment.amount, companyCard: payment.companyCard, advanceIIC: payment.advanceIIC,
                           bankAccount: payment.bankAccount, vouchers: payment.vouchers ?? [])
        }
        let fees = (self.fees ?? []).enumerated().compactMap { index, fee -> Fee? in
            (value(fee.type, "fees[\(index)].type") as FeeType?).map { Fee(type: $0, amount: fee.amount) }
        }
        let correction = corrects.map {
            CorrectionReference(original: InvoiceReference(iic: $0.iic.uppercased(), issuedAt: timestamp($0.issuedAt, "corrects.issued_at")),
                                type: value($0.type, "corrects.type", default: CorrectionType.corrective) ?? .corrective)
        }
        let references = (self.references ?? []).enumerated().map { index, reference in
            let path = "references[\(index)]"
            let notIssuedHere = "the invoice \(reference.iic) was not issued by this connector (its journal does not hold it): give its issue time and amount"
            if reference.issuedAt == nil { issues.append(ValidationIssue(.required, field: "\(path).issued_at", notIssuedHere)) }
            if reference.amount == nil { issues.append(ValidationIssue(.required, field: "\(path).amount", notIssuedHere)) }
            return IICReference(invoice: InvoiceReference(iic: reference.iic.uppercased(), issuedAt: reference.issuedAt.map { timestamp($0, "\(path).issued_at") } ?? issuedAt),
                                amount: reference.amount ?? .zero)
        }
        let kind: InvoiceKind = value(kind, "kind", default: InvoiceKind.invoice) ?? .invoice
        let paymentKind: PaymentKind? = value(invoiceType, "invoice_type")
        let invoice = Invoice(
            kind: kind, paymentKind: paymentKind ?? .cash, selfIssuing: selfIssuing, issuedAt: issuedAt, ordinal: ordinal,
            device: configuration.device.codes, operatorCode: operatorCode ?? configuration.device.operatorCode,
            issuerInVAT: taxpayer.inVAT, seller: seller, buyer: buyer, pricesIncludeVAT: pricesIncludeVAT ?? true,
            items: items, taxGroups: groups, payments: payments, fees: fees, correction: correction,
            badDebt: badDebt.map { InvoiceReference(iic: $0.iic.uppercased(), issuedAt: timestamp($0.issuedAt, "bad_debt.issued_at")) },
            references: references,
            approvals: (approvals ?? []).map { Approval(discountAmount: $0.discountAmount, returnAmount: $0.returnAmount, vatRate: $0.vatRate, exemptAmount: $0.exemptAmount, vatAmount: $0.vatAmount, totalAmount: $0.totalAmount) },
            currency: currency.map { Currency(code: $0.code.uppercased(), exchangeRate: $0.exchangeRate) },
            markUpAmount: markupAmount, goodsExportAmount: goodsExportAmount, amountToPay: amountToPay,
            payDeadline: date(payDeadline, "pay_deadline"), paragonBlockNumber: paragonBlockNumber, taxPeriod: taxPeriod,
            bankAccount: bankAccount, note: note
        )
        if reference.isEmpty || reference.unicodeScalars.count > 100 {
            issues.insert(ValidationIssue(.required, field: "reference", "give each invoice a unique reference of 1 to 100 characters (your own invoice id): it makes retries safe"), at: 0)
        }
        if !issues.isEmpty { throw ValidationError(issues) }
        return invoice
    }
}

/// JSON with numbers kept exact.
enum ExactJSON {
    /// Rewrites every number outside strings as a string, so decoders never see a binary double.
    static func quotingNumbers(_ data: Data) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(data.count + 64)
        var inString = false, escaped = false
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == 92 { escaped = true } else if byte == 34 { inString = false }
                index += 1
                continue
            }
            if byte == 34 {
                inString = true
                out.append(byte)
                index += 1
            } else if byte == 45 || (byte >= 48 && byte <= 57) {
                out.append(34)
                while index < data.endIndex, [43, 45, 46, 69, 101].contains(data[index]) || (data[index] >= 48 && data[index] <= 57) {
                    out.append(data[index])
                    index += 1
                }
                out.append(34)
            } else {
                out.append(byte)
                index += 1
            }
        }
        return Data(out)
    }

    /// A decoding error as an issue naming the JSON field.
    static func issue(for error: DecodingError) -> ValidationIssue {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "input" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return ValidationIssue(.required, field: path(context.codingPath + [key]), "is required")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return ValidationIssue(.invalidFormat, field: path(context.codingPath), "has the wrong type: \(context.debugDescription)")
        case .dataCorrupted(let context):
            return ValidationIssue(.invalidFormat, field: path(context.codingPath), context.debugDescription)
        @unknown default:
            return ValidationIssue(.invalidFormat, field: "input", "\(error)")
        }
    }
}
