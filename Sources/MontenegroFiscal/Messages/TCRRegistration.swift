public import FiscalCore

/// Registers a device (TCR/ENU) with the tax authority, or updates its end of use.
public struct TCRRegistration: Sendable, Hashable, Codable {
    /// The taxpayer's TIN.
    public var issuerTIN: String
    /// The business unit the device works in.
    public var businessUnit: String
    /// The taxpayer's own id of the device, e.g. `1` (`TCRIntID`).
    public var internalID: String
    /// Certified software code; mandatory for a new registration.
    public var software: String?
    /// Maintainer code; mandatory for a new registration.
    public var maintainer: String?
    /// First day of use; not in the past.
    public var validFrom: FiscalDate?
    /// Last day of use (today deregisters the device).
    public var validTo: FiscalDate?
    /// Regular till or vending machine.
    public var type: TCRType?

    /// Creates a registration.
    public init(issuerTIN: String, businessUnit: String, internalID: String, software: String? = nil, maintainer: String? = nil,
                validFrom: FiscalDate? = nil, validTo: FiscalDate? = nil, type: TCRType? = nil) {
        self.issuerTIN = issuerTIN
        self.businessUnit = businessUnit
        self.internalID = internalID
        self.software = software
        self.maintainer = maintainer
        self.validFrom = validFrom
        self.validTo = validTo
        self.type = type
    }

    /// The problems of this registration on `today` (Montenegro's calendar day).
    public func issues(today: FiscalDate) -> [ValidationIssue] {
        var c = FieldChecks()
        c.tin(issuerTIN, "issuer_tin")
        c.registrationCode(businessUnit, "business_unit")
        c.text(internalID, "internal_id", maximum: 50, required: true)
        if let software { c.registrationCode(software, "software_code") }
        if let maintainer { c.registrationCode(maintainer, "maintainer_code") }
        if let validFrom, validFrom < today {
            c.add(.outOfRange, "valid_from", "\(validFrom) is in the past (error 45): use today or a later day")
        }
        if let validTo, validTo < today {
            c.add(.outOfRange, "valid_to", "\(validTo) is in the past (error 46): use today to deregister, or a later day")
        }
        if let validFrom, let validTo, validTo < validFrom {
            c.add(.outOfRange, "valid_to", "\(validTo) is before valid_from \(validFrom) (error 47)")
        }
        return c.issues
    }

    func canonical(header: MessageHeader) -> [UInt8] {
        var w = CanonicalXMLWriter(capacity: 1024)
        w.startTag("RegisterTCRRequest", namespace: "https://efi.tax.gov.me/fs/schema")
        w.attribute("Id", "Request")
        w.attribute("Version", "1")
        w.endStartTag()
        header.write(&w, allowsSubsequentDelivery: false)
        w.startTag("TCR")
        w.attribute("BusinUnitCode", businessUnit)
        w.attribute("IssuerTIN", issuerTIN)
        w.attribute("MaintainerCode", maintainer)
        w.attribute("SoftCode", software)
        w.attribute("TCRIntID", internalID)
        w.attribute("Type", type?.rawValue)
        w.attribute("ValidFrom", validFrom?.description)
        w.attribute("ValidTo", validTo?.description)
        w.endStartTag()
        w.close("TCR")
        w.close("RegisterTCRRequest")
        return w.bytes
    }
}

/// Registers the day's opening float (INITIAL) or a withdrawal of cash (WITHDRAW) for a device.
public struct CashDeposit: Sendable, Hashable, Codable {
    /// When the change happened.
    public var changedAt: FiscalTimestamp
    /// INITIAL or WITHDRAW.
    public var operation: CashDepositOperation
    /// The float (INITIAL, may be 0.00) or the amount taken out (WITHDRAW, above 0), 2 decimals.
    public var amount: ExactDecimal
    /// The device.
    public var tcr: String
    /// The taxpayer's TIN.
    public var issuerTIN: String

    /// Creates a deposit.
    public init(changedAt: FiscalTimestamp, operation: CashDepositOperation, amount: ExactDecimal, tcr: String, issuerTIN: String) {
        self.changedAt = changedAt
        self.operation = operation
        self.amount = amount
        self.tcr = tcr
        self.issuerTIN = issuerTIN
    }

    /// The problems of this deposit.
    public var issues: [ValidationIssue] {
        var c = FieldChecks()
        c.amount(amount, "amount", decimals: 2, nonNegative: true)
        if operation == .withdraw && amount.isZero {
            c.add(.outOfRange, "amount", "a WITHDRAW of 0.00 is refused by the tax authority (error 51): give the amount taken out")
        }
        c.registrationCode(tcr, "tcr_code")
        c.tin(issuerTIN, "issuer_tin")
        return c.issues
    }

    func canonical(header: MessageHeader) -> [UInt8] {
        var w = CanonicalXMLWriter(capacity: 1024)
        w.startTag("RegisterCashDepositRequest", namespace: "https://efi.tax.gov.me/fs/schema")
        w.attribute("Id", "Request")
        w.attribute("Version", "1")
        w.endStartTag()
        header.write(&w)
        w.startTag("CashDeposit")
        w.attribute("CashAmt", amount, places: 2)
        w.attribute("ChangeDateTime", changedAt.text)
        w.attribute("IssuerTIN", issuerTIN)
        w.attribute("Operation", operation.rawValue)
        w.attribute("TCRCode", tcr)
        w.endStartTag()
        w.close("CashDeposit")
        w.close("RegisterCashDepositRequest")
        return w.bytes
    }
}
