public import FiscalCore

/// An invoice as the issuer describes it, before amounts are derived, numbered and signed.
///
/// Strings are kept as given and checked by ``InvoiceValidator`` so that every problem comes back
/// with its field path. Unit prices are positive; quantities (and so all line amounts) are negative
/// on returns and cancellations.
public struct Invoice: Sendable, Hashable, Codable {
    /// The document type (`InvType`).
    public var kind: InvoiceKind
    /// Cash or non-cash (`TypeOfInv`).
    public var paymentKind: PaymentKind
    /// Set only for invoices self-issued by the buyer (`TypeOfSelfIss`).
    public var selfIssuing: SelfIssuingType?
    /// When the invoice was issued, with its offset (`IssueDateTime`).
    public var issuedAt: FiscalTimestamp
    /// The yearly ordinal of this TCR (`InvOrdNum`), from 1.
    public var ordinal: Int
    /// The registration codes of the issuing device.
    public var device: DeviceCodes
    /// The operator who issued it (`OperatorCode`).
    public var operatorCode: String
    /// Whether the issuer is registered for VAT (`IsIssuerInVAT`).
    public var issuerInVAT: Bool
    /// The seller: the issuer, or the supplier on a self-issued invoice.
    public var seller: Party
    /// The buyer, where known or required.
    public var buyer: Party?
    /// Whether item unit prices include VAT (gross) or not (net).
    public var pricesIncludeVAT: Bool
    /// The lines.
    public var items: [InvoiceItem]
    /// Amounts per VAT rate for documents without items (SUMMARY, PERIODICAL, CREDIT_NOTE).
    public var taxGroups: [TaxGroup]
    /// How it was paid; one entry per method.
    public var payments: [Payment]
    /// Fees charged on the invoice (not part of the total).
    public var fees: [Fee]
    /// The invoice this one corrects (`CorrectiveInv`), for CORRECTIVE documents.
    public var correction: CorrectionReference?
    /// The invoice declared uncollectible (`BadDebtInv`).
    public var badDebt: InvoiceReference?
    /// Referenced invoices (`IICRefs`): settled orders, covered period, consumed advances.
    public var references: [IICReference]
    /// Approvals of a credit note, one per VAT rate or exemption.
    public var approvals: [Approval]
    /// A foreign currency and its rate, when not in EUR.
    public var currency: Currency?
    /// Margin-scheme amount (`MarkUpAmt`).
    public var markUpAmount: ExactDecimal?
    /// Exported goods amount (`GoodsExAmt`).
    public var goodsExportAmount: ExactDecimal?
    /// Amount actually to pay after extra discounts or subsidies (`TotPriceToPay`), informative.
    public var amountToPay: ExactDecimal?
    /// Last day for payment.
    public var payDeadline: FiscalDate?
    /// Number of the bound-book (paragon) page, for invoices first written by hand.
    public var paragonBlockNumber: String?
    /// The tax period `MM/YYYY` the invoice belongs to.
    public var taxPeriod: String?
    /// The issuer's account the buyer should pay to (non-cash invoices).
    public var bankAccount: String?
    /// A free note (up to 200 characters).
    public var note: String?

    /// Creates an invoice; everything not given is empty.
    public init(
        kind: InvoiceKind = .invoice, paymentKind: PaymentKind, selfIssuing: SelfIssuingType? = nil,
        issuedAt: FiscalTimestamp, ordinal: Int, device: DeviceCodes, operatorCode: String,
        issuerInVAT: Bool, seller: Party, buyer: Party? = nil, pricesIncludeVAT: Bool = true,
        items: [InvoiceItem] = [], taxGroups: [TaxGroup] = [], payments: [Payment], fees: [Fee] = [],
        correction: CorrectionReference? = nil, badDebt: InvoiceReference? = nil,
        references: [IICReference] = [], approvals: [Approval] = [], currency: Currency? = nil,
        markUpAmount: ExactDecimal? = nil, goodsExportAmount: ExactDecimal? = nil, amountToPay: ExactDecimal? = nil,
        payDeadline: FiscalDate? = nil, paragonBlockNumber: String? = nil, taxPeriod: String? = nil,
        bankAccount: String? = nil, note: String? = nil
    ) {
        self.kind = kind
        self.paymentKind = paymentKind
        self.selfIssuing = selfIssuing
        self.issuedAt = issuedAt
        self.ordinal = ordinal
        self.device = device
        self.operatorCode = operatorCode
        self.issuerInVAT = issuerInVAT
        self.seller = seller
        self.buyer = buyer
        self.pricesIncludeVAT = pricesIncludeVAT
        self.items = items
        self.taxGroups = taxGroups
        self.payments = payments
        self.fees = fees
        self.correction = correction
        self.badDebt = badDebt
        self.references = references
        self.approvals = approvals
        self.currency = currency
        self.markUpAmount = markUpAmount
        self.goodsExportAmount = goodsExportAmount
        self.amountToPay = amountToPay
        self.payDeadline = payDeadline
        self.paragonBlockNumber = paragonBlockNumber
        self.taxPeriod = taxPeriod
        self.bankAccount = bankAccount
        self.note = note
    }

    /// The invoice number `BU/ordinal/year/TCR` (`InvNum`), the year being Montenegro's at issue time.
    public var number: String {
        "\(device.businessUnit)/\(ordinal)/\(issuedAt.montenegroYear)/\(device.tcr)"
    }
}

/// The registration codes of one device (TCR/ENU) and the software that runs it.
public struct DeviceCodes: Sendable, Hashable, Codable {
    /// Business unit (premises) code, `BusinUnitCode`.
    public var businessUnit: String
    /// Device code issued at TCR registration, `TCRCode`.
    public var tcr: String
    /// Certified software code, `SoftCode`.
    public var software: String
    /// Software maintainer code (used when registering the TCR).
    public var maintainer: String?

    /// Creates the codes.
    public init(businessUnit: String, tcr: String, software: String, maintainer: String? = nil) {
        self.businessUnit = businessUnit
        self.tcr = tcr
        self.software = software
        self.maintainer = maintainer
    }
}

/// A seller or buyer.
public struct Party: Sendable, Hashable, Codable {
    /// Kind of identification (`IDType`).
    public var idType: IDType
    /// The identification number (`IDNum`).
    public var idNumber: String
    /// Name (`Name`).
    public var name: String
    /// Street address (`Address`).
    public var address: String?
    /// Town (`Town`).
    public var town: String?
    /// ISO 3166-1 alpha-3 country (`Country`), e.g. `MNE`.
    public var country: String?
    /// Diplomat's tax identification card (`TIC`), buyers only.
    public var diplomaticTaxCard: String?

    /// Creates a party.
    public init(idType: IDType = .tin, idNumber: String, name: String, address: String? = nil, town: String? = nil, country: String? = nil, diplomaticTaxCard: String? = nil) {
        self.idType = idType
        self.idNumber = idNumber
        self.name = name
        self.address = address
        self.town = town
        self.country = country
        self.diplomaticTaxCard = diplomaticTaxCard
    }
}

/// One invoice line as entered: amounts are derived by ``InvoiceCalculator``.
public struct InvoiceItem: Sendable, Hashable, Codable {
    /// Name of the good or service (`N`).
    public var name: String
    /// Article code, e.g. barcode or IMEI (`C`).
    public var code: String?
    /// Unit of measure (`U`).
    public var unit: String
    /// Quantity, up to 3 decimals; negative on returns (`Q`).
    public var quantity: ExactDecimal
    /// Unit price before rebate, up to 4 decimals, always positive: including VAT when the
    /// invoice's `pricesIncludeVAT` is set, else without.
    public var unitPrice: ExactDecimal
    /// Rebate in percent, 0 to 100 (`R`).
    public var rebatePercent: ExactDecimal?
    /// VAT rate in percent (`VR`); nil for exempt items and issuers outside VAT.
    public var vatRate: ExactDecimal?
    /// VAT exemption ground (`EX`), instead of a rate.
    public var exemption: VATExemption?
    /// Whether the item is an investment (`IN`).
    public var isInvestment: Bool?
    /// For a sold voucher: last day of validity (`VD`).
    public var voucherValidUntil: FiscalDate?
    /// For a sold voucher: its serial number (`VSN`), e.g. `34564-2020-12345678`.
    public var voucherSerial: String?

    /// Creates an item.
    public init(name: String, code: String? = nil, unit: String, quantity: ExactDecimal, unitPrice: ExactDecimal,
                rebatePercent: ExactDecimal? = nil, vatRate: ExactDecimal? = nil, exemption: VATExemption? = nil,
                isInvestment: Bool? = nil, voucherValidUntil: FiscalDate? = nil, voucherSerial: String? = nil) {
        self.name = name
        self.code = code
        self.unit = unit
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.rebatePercent = rebatePercent
        self.vatRate = vatRate
        self.exemption = exemption
        self.isInvestment = isInvestment
        self.voucherValidUntil = voucherValidUntil
        self.voucherSerial = voucherSerial
    }
}

/// The amounts of one VAT rate or exemption, given directly for documents without items.
public struct TaxGroup: Sendable, Hashable, Codable {
    /// Number of lines or (SUMMARY, PERIODICAL) referenced invoices with this rate (`NumOfItems`).
    public var count: Int
    /// Sum of the bases without VAT (`PriceBefVAT`).
    public var priceBeforeVAT: ExactDecimal
    /// VAT rate; nil for an exemption or an issuer outside VAT.
    public var vatRate: ExactDecimal?
    /// Exemption ground, instead of a rate.
    public var exemption: VATExemption?
    /// Sum of VAT (`VATAmt`).
    public var vatAmount: ExactDecimal

    /// Creates a group.
    public init(count: Int, priceBeforeVAT: ExactDecimal, vatRate: ExactDecimal?, exemption: VATExemption? = nil, vatAmount: ExactDecimal) {
        self.count = count
        self.priceBeforeVAT = priceBeforeVAT
        self.vatRate = vatRate
        self.exemption = exemption
        self.vatAmount = vatAmount
    }
}

/// One payment method and its amount.
public struct Payment: Sendable, Hashable, Codable {
    /// The method (`Type`).
    public var type: PaymentMethodType
    /// The amount paid this way, 2 decimals (`Amt`).
    public var amount: ExactDecimal
    /// Company card number, for COMPANY (`CompCard`).
    public var companyCard: String?
    /// IIC of the advance invoice, for ADVANCE and SVOUCHER (`AdvIIC`).
    public var advanceIIC: String?
    /// The buyer's account for a refund (`BankAcc`).
    public var bankAccount: String?
    /// Voucher numbers, for SVOUCHER (`Vouchers/Voucher/@Num`).
    public var vouchers: [String]

    /// Creates a payment.
    public init(type: PaymentMethodType, amount: ExactDecimal, companyCard: String? = nil, advanceIIC: String? = nil, bankAccount: String? = nil, vouchers: [String] = []) {
        self.type = type
        self.amount = amount
        self.companyCard = companyCard
        self.advanceIIC = advanceIIC
        self.bankAccount = bankAccount
        self.vouchers = vouchers
    }
}

/// A fee charged on the invoice.
public struct Fee: Sendable, Hashable, Codable {
    /// The kind of fee.
    public var type: FeeType
    /// The amount, 2 decimals.
    public var amount: ExactDecimal

    /// Creates a fee.
    public init(type: FeeType, amount: ExactDecimal) {
        self.type = type
        self.amount = amount
    }
}

/// An earlier invoice, by its IIC and issue time.
public struct InvoiceReference: Sendable, Hashable, Codable {
    /// The IIC of the referenced invoice.
    public var iic: String
    /// Its `IssueDateTime`, exactly as it was sent.
    public var issuedAt: FiscalTimestamp

    /// Creates a reference.
    public init(iic: String, issuedAt: FiscalTimestamp) {
        self.iic = iic
        self.issuedAt = issuedAt
    }
}

/// The invoice a CORRECTIVE document corrects.
public struct CorrectionReference: Sendable, Hashable, Codable {
    /// The original invoice.
    public var original: InvoiceReference
    /// The kind of correction.
    public var type: CorrectionType

    /// Creates a correction reference.
    public init(original: InvoiceReference, type: CorrectionType = .corrective) {
        self.original = original
        self.type = type
    }
}

/// A referenced invoice with an amount (`IICRef`).
public struct IICReference: Sendable, Hashable, Codable {
    /// The referenced invoice.
    public var invoice: InvoiceReference
    /// Its total, or the part concerned (`Amount`), 2 decimals.
    public var amount: ExactDecimal

    /// Creates a reference.
    public init(invoice: InvoiceReference, amount: ExactDecimal) {
        self.invoice = invoice
        self.amount = amount
    }
}

/// One approval of a credit note, per VAT rate or exemption.
public struct Approval: Sendable, Hashable, Codable {
    /// Discount granted (`DiscountAmt`).
    public var discountAmount: ExactDecimal?
    /// Value of goods returned (`ReturnAmt`).
    public var returnAmount: ExactDecimal?
    /// VAT rate (`VATRate`).
    public var vatRate: ExactDecimal?
    /// Exempt amount (`ExemptFromVAT`; an amount, not a code).
    public var exemptAmount: ExactDecimal?
    /// VAT (`VATAmt`).
    public var vatAmount: ExactDecimal?
    /// Total including VAT (`TotalAmt`).
    public var totalAmount: ExactDecimal

    /// Creates an approval.
    public init(discountAmount: ExactDecimal? = nil, returnAmount: ExactDecimal? = nil, vatRate: ExactDecimal? = nil, exemptAmount: ExactDecimal? = nil, vatAmount: ExactDecimal? = nil, totalAmount: ExactDecimal) {
        self.discountAmount = discountAmount
        self.returnAmount = returnAmount
        self.vatRate = vatRate
        self.exemptAmount = exemptAmount
        self.vatAmount = vatAmount
        self.totalAmount = totalAmount
    }
}

/// A foreign currency.
public struct Currency: Sendable, Hashable, Codable {
    /// ISO 4217 code.
    public var code: String
    /// EUR per one unit of the currency, above zero.
    public var exchangeRate: ExactDecimal

    /// Creates a currency.
    public init(code: String, exchangeRate: ExactDecimal) {
        self.code = code
        self.exchangeRate = exchangeRate
    }
}
