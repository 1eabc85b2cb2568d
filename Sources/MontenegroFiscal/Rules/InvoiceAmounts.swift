public import FiscalCore

/// An invoice line with every amount the schema carries, derived from the entered item (4 decimals).
public struct CalculatedLine: Sendable, Hashable {
    /// The item as entered.
    public let item: InvoiceItem
    /// Unit price without VAT and before rebate (`UPB`).
    public let unitPriceBeforeVAT: ExactDecimal
    /// Unit price after rebate, with VAT (`UPA` = PA / Q).
    public let unitPriceAfterVAT: ExactDecimal
    /// Line total without VAT, rebate applied (`PB`): the VAT base.
    public let priceBeforeVAT: ExactDecimal
    /// VAT rate (`VR`); nil when the issuer is outside VAT.
    public let vatRate: ExactDecimal?
    /// Line VAT (`VA`); nil when the issuer is outside VAT.
    public let vatAmount: ExactDecimal?
    /// Line total with VAT, rebate applied (`PA`).
    public let price: ExactDecimal
    /// Whether the rebate was applied to the net price (`RR`); nil without a rebate.
    public let rebateReducesBase: Bool?
}

/// The amounts of one VAT rate or exemption (`SameTax`).
public struct SameTax: Sendable, Hashable {
    /// Lines (or referenced invoices) in the group (`NumOfItems`).
    public let count: Int
    /// Sum of the bases (`PriceBefVAT`).
    public let priceBeforeVAT: ExactDecimal
    /// VAT rate (`VATRate`); 0 for an exemption.
    public let vatRate: ExactDecimal
    /// Exemption ground (`ExemptFromVAT`).
    public let exemption: VATExemption?
    /// Sum of VAT (`VATAmt`).
    public let vatAmount: ExactDecimal
}

/// Invoice totals, 2 decimals each.
public struct InvoiceTotals: Sendable, Hashable {
    /// Sum of bases without VAT (`TotPriceWoVAT`).
    public let priceWithoutVAT: ExactDecimal
    /// Sum of VAT (`TotVATAmt`); nil when the issuer is outside VAT.
    public let vatAmount: ExactDecimal?
    /// Total with VAT (`TotPrice`): what the IIC signs.
    public let price: ExactDecimal
    /// Amount not subject to VAT (`TaxFreeAmt`): exempt lines, or everything for an issuer outside VAT.
    public let taxFreeAmount: ExactDecimal?
}

/// Everything derived from an ``Invoice``'s lines: the computed lines, the VAT groups and the totals.
public struct InvoiceAmounts: Sendable, Hashable {
    /// The lines, in input order.
    public let lines: [CalculatedLine]
    /// One group per VAT rate or exemption, in order of first appearance; empty outside VAT.
    public let sameTaxes: [SameTax]
    /// The totals.
    public let totals: InvoiceTotals
}
