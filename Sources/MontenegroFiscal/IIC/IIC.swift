public import FiscalCore

/// The issuer's invoice code (IIC, IKOF) and its signature.
///
/// `IICSignature` = RSASSA-PKCS1-v1_5/SHA-256 over
/// `TIN|IssueDateTime|InvOrdNum|BusinUnitCode|TCRCode|SoftCode|TotPrice` (UTF-8), uppercase hex;
/// `IIC` = MD5 of the raw signature bytes, uppercase hex.
public struct IIC: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 32 hex characters printed on the receipt.
    public let code: String
    /// The 512 hex characters of the signature.
    public let signature: String

    /// Signs `input` with the issuer's key.
    public init(input: IICInput, identity: SigningIdentity) {
        let signatureBytes = identity.sign(Array(input.text.utf8))
        self.signature = Hex.upper(signatureBytes)
        self.code = Hex.upper(Digest.md5(signatureBytes))
    }

    /// An IIC computed earlier (from the journal), for delivering the same invoice again.
    public init(code: String, signature: String) {
        self.code = code
        self.signature = signature
    }

    /// Checks that `signature` is the issuer's signature of `input` and that `code` is its MD5:
    /// the inspector's verification of a printed IIC.
    public static func verify(code: String, signature: String, input: IICInput, certificate: Certificate) -> Bool {
        guard let bytes = Hex.bytes(signature) else { return false }
        return Hex.upper(Digest.md5(bytes)) == code.uppercased() && certificate.isValidSignature(bytes, for: Array(input.text.utf8))
    }

    public var description: String { code }
}

/// The seven values the IIC signs, as the exact strings that go into the XML.
public struct IICInput: Sendable, Hashable, CustomStringConvertible {
    /// Issuer TIN: `Seller/@IDNum`, or on a self-issued invoice the buyer's, who issues and signs it.
    public let tin: String
    /// `IssueDateTime`.
    public let issuedAt: String
    /// `InvOrdNum`.
    public let ordinal: String
    /// `BusinUnitCode`.
    public let businessUnit: String
    /// `TCRCode`.
    public let tcr: String
    /// `SoftCode`.
    public let software: String
    /// `TotPrice`, 2 decimals.
    public let totalPrice: String

    /// Creates the input from already formatted strings.
    public init(tin: String, issuedAt: String, ordinal: String, businessUnit: String, tcr: String, software: String, totalPrice: String) {
        self.tin = tin
        self.issuedAt = issuedAt
        self.ordinal = ordinal
        self.businessUnit = businessUnit
        self.tcr = tcr
        self.software = software
        self.totalPrice = totalPrice
    }

    /// The input of an invoice with the given total. The issuer (whose certificate signs, error 37)
    /// is the seller, or on a self-issued invoice the buyer; validation requires that buyer.
    public init(invoice: Invoice, totalPrice: ExactDecimal) {
        let issuer: String
        if invoice.selfIssuing == nil {
            issuer = invoice.seller.idNumber
        } else {
            guard let buyer = invoice.buyer else { preconditionFailure("a self-issued invoice without buyer passed validation") }
            issuer = buyer.idNumber
        }
        self.init(
            tin: issuer,
            issuedAt: invoice.issuedAt.text, ordinal: String(invoice.ordinal),
            businessUnit: invoice.device.businessUnit, tcr: invoice.device.tcr, software: invoice.device.software,
            totalPrice: totalPrice.formatted(2)
        )
    }

    /// Parses `TIN|IssueDateTime|InvOrdNum|BusinUnitCode|TCRCode|SoftCode|TotPrice`, checking each part.
    public init(parsing text: String) throws(ValidationError) {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 7 else {
            throw ValidationError([ValidationIssue(.invalidFormat, field: "input", "has \(parts.count) parts separated by '|', expected 7: TIN|IssueDateTime|InvOrdNum|BusinUnitCode|TCRCode|SoftCode|TotPrice")])
        }
        self.init(tin: parts[0], issuedAt: parts[1], ordinal: parts[2], businessUnit: parts[3], tcr: parts[4], software: parts[5], totalPrice: parts[6])
        let problems = issues
        if !problems.isEmpty { throw ValidationError(problems) }
    }

    /// The problems of these values; empty when they are well-formed.
    public var issues: [ValidationIssue] {
        var c = FieldChecks()
        c.tin(tin, "tin")
        if FiscalTimestamp(issuedAt) == nil {
            c.add(.invalidFormat, "issued_at", "'\(issuedAt)' is not a date-time with offset such as 2026-11-21T10:15:00+01:00")
        }
        if !(ordinal.first.map { $0 != "0" } ?? false) || ordinal.count > 15 || !ordinal.allSatisfy(\.isASCIIDigitCharacter) {
            c.add(.invalidFormat, "ordinal", "'\(ordinal)' is not an invoice ordinal: a whole number from 1, without leading zeros")
        }
        c.registrationCode(businessUnit, "business_unit")
        c.registrationCode(tcr, "tcr_code")
        c.registrationCode(software, "software_code")
        let price = ExactDecimal(totalPrice)
        if price == nil || !isDecimal2(totalPrice) {
            c.add(.invalidFormat, "total", "'\(totalPrice)' is not a total as sent in TotPrice: use a dot and exactly two decimals, e.g. 99.01")
        }
        return c.issues
    }

    private func isDecimal2(_ text: String) -> Bool {
        let unsigned = text.hasPrefix("-") ? String(text.dropFirst()) : text
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, !parts[0].isEmpty else { return false }
        return parts[0] == "0" || parts[0].first != "0"
    }

    /// The concatenation that is signed.
    public var text: String { [tin, issuedAt, ordinal, businessUnit, tcr, software, totalPrice].joined(separator: "|") }

    public var description: String { text }
}
