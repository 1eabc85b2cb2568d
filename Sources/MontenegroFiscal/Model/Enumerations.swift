/// The document type (`InvType`).
public enum InvoiceKind: String, Sendable, Codable, CaseIterable {
    /// A regular cash or non-cash sale.
    case invoice = "INVOICE"
    /// Corrects or cancels an already fiscalized invoice (needs `CorrectiveInv`).
    case corrective = "CORRECTIVE"
    /// Settles earlier ORDER invoices (needs `IICRefs`).
    case summary = "SUMMARY"
    /// A monthly statement to one buyer (needs `IICRefs` and a buyer).
    case periodical = "PERIODICAL"
    /// Records an advance payment or sold vouchers.
    case advance = "ADVANCE"
    /// A book approval after the fact (needs `IICRefs` and `Approvals`).
    case creditNote = "CREDIT_NOTE"
}

/// Cash or non-cash invoice (`TypeOfInv`).
public enum PaymentKind: String, Sendable, Codable, CaseIterable {
    /// Paid with banknotes/coins, a personal card or other cash.
    case cash = "CASH"
    /// Paid by transfer, business card, voucher, advance …
    case noncash = "NONCASH"
}

/// Why an invoice is self-issued by the buyer (`TypeOfSelfIss`).
public enum SelfIssuingType: String, Sendable, Codable, CaseIterable {
    /// Prior agreement between the parties.
    case agreement = "AGREEMENT"
    /// Purchase from domestic farmers.
    case domestic = "DOMESTIC"
    /// Services from abroad.
    case abroad = "ABROAD"
    /// Self-consumption.
    case `self` = "SELF"
    /// Other.
    case other = "OTHER"
}

/// A payment method (`PayMethod/@Type`).
public enum PaymentMethodType: String, Sendable, Codable, CaseIterable {
    /// Banknotes and coins (cash).
    case banknote = "BANKNOTE"
    /// Card of a natural person (cash).
    case card = "CARD"
    /// Card of a business (non-cash).
    case businessCard = "BUSINESSCARD"
    /// Single-purpose voucher sold earlier on an ADVANCE invoice (non-cash; needs AdvIIC and vouchers).
    case singlePurposeVoucher = "SVOUCHER"
    /// Company or gift card (non-cash; needs CompCard).
    case company = "COMPANY"
    /// Not paid yet, settled later by a SUMMARY invoice.
    case order = "ORDER"
    /// Paid from an advance (non-cash; needs AdvIIC).
    case advance = "ADVANCE"
    /// Bank transfer (non-cash).
    case account = "ACCOUNT"
    /// Factoring (non-cash).
    case factoring = "FACTORING"
    /// Other non-cash.
    case other = "OTHER"
    /// Other cash.
    case otherCash = "OTHER-CASH"

    /// The methods that make an invoice a cash invoice.
    public static let cashMethods: Set<PaymentMethodType> = [.banknote, .card, .otherCash]
}

/// The kind of correction (`CorrectiveInv/@Type`).
public enum CorrectionType: String, Sendable, Codable, CaseIterable {
    /// The original was correct; this changes it (return, wrong quantity, cancellation).
    case corrective = "CORRECTIVE"
    /// Annuls an original flagged by the nightly checks and carries the full correct invoice.
    case errorCorrective = "ERROR_CORRECTIVE"
}

/// Identification document type of a party (`IDType`).
public enum IDType: String, Sendable, Codable, CaseIterable {
    /// PIB or JMB.
    case tin = "TIN"
    /// Personal ID card number.
    case id = "ID"
    /// Passport number.
    case passport = "PASS"
    /// VAT number.
    case vat = "VAT"
    /// Tax number.
    case tax = "TAX"
    /// Social security number.
    case social = "SOC"
}

/// Why a message is delivered after the fact (`SubseqDelivType`).
public enum SubsequentDeliveryType: String, Sendable, Codable, CaseIterable {
    /// The device works where there is no internet.
    case noInternet = "NOINTERNET"
    /// The device was broken and the invoice was written in the bound book.
    case boundBook = "BOUNDBOOK"
    /// The fiscal service was unavailable.
    case service = "SERVICE"
    /// A technical error on the issuer's side.
    case technicalError = "TECHNICALERROR"
    /// Late delivery due to the way of doing business.
    case businessNeeds = "BUSINESSNEEDS"
}

/// A fee type (`Fee/@Type`).
public enum FeeType: String, Sendable, Codable, CaseIterable {
    /// Packaging fee.
    case pack = "PACK"
    /// Commission.
    case commission = "COMMISSION"
    /// Any other fee.
    case other = "OTHER"
}

/// The legal ground of a VAT exemption (`EX`, `ExemptFromVAT`): articles of the VAT law.
public enum VATExemption: String, Sendable, Codable, CaseIterable {
    /// Art. 3: not a subject of VAT.
    case article3 = "VAT_CL3"
    /// Art. 4: turnover of goods exempt.
    case article4 = "VAT_CL4"
    /// Art. 14: place of taxation.
    case article14 = "VAT_CL14"
    /// Art. 15: place of supply of goods.
    case article15 = "VAT_CL15"
    /// Art. 17: place of supply of services.
    case article17 = "VAT_CL17"
    /// Art. 20: tax base and its correction.
    case article20 = "VAT_CL20"
    /// Art. 26: public-interest exemptions.
    case article26 = "VAT_CL26"
    /// Art. 27: other exemptions.
    case article27 = "VAT_CL27"
    /// Art. 28: import exemptions.
    case article28 = "VAT_CL28"
    /// Art. 29: temporary import exemptions.
    case article29 = "VAT_CL29"
    /// Art. 30: special exemptions (diplomats).
    case article30 = "VAT_CL30"
    /// Art. 44: special taxation procedure.
    case article44 = "VAT_CL44"
}

/// The kind of device (`TCR/@Type`).
public enum TCRType: String, Sendable, Codable, CaseIterable {
    /// A till operated by staff.
    case regular = "REGULAR"
    /// A self-service machine.
    case vending = "VENDING"
}

/// A cash-deposit operation.
public enum CashDepositOperation: String, Sendable, Codable, CaseIterable {
    /// The day's opening float, before the first cash invoice.
    case initial = "INITIAL"
    /// Cash taken out of the register.
    case withdraw = "WITHDRAW"
}
