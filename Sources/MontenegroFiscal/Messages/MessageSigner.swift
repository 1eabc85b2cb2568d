public import FiscalCore

/// Turns invoices, device registrations and cash deposits into signed, schema-checked requests.
///
/// Validation → amounts → IIC → canonical XML → enveloped XML-DSig → XSD check (on by default).
public struct MessageSigner: Sendable {
    /// The taxpayer's certificate and key.
    public let identity: SigningIdentity
    /// Whether every signed message is checked against the official schema before it is returned.
    public var checksSchema: Bool

    /// Creates a signer.
    public init(identity: SigningIdentity, checksSchema: Bool = true) {
        self.identity = identity
        self.checksSchema = checksSchema
    }

    /// Validates and signs an invoice. Pass the `iic` of the first attempt when delivering the same
    /// invoice again (the IIC never changes; the message gets a new header and signature).
    /// Throws ``ValidationError`` or ``SchemaError``.
    public func sign(_ invoice: Invoice, header: MessageHeader, iic existing: IIC? = nil) throws -> SignedInvoice {
        let amounts = try InvoiceValidator.validated(invoice, certificateTIN: identity.certificate.taxpayerTIN)
        let input = IICInput(invoice: invoice, totalPrice: amounts.totals.price)
        let iic = existing ?? IIC(input: input, identity: identity)
        let canonical = RegisterInvoiceRequest.canonical(invoice: invoice, amounts: amounts, iic: iic, header: header)
        let message = try finish(.registerInvoice, canonical, header)
        return SignedInvoice(invoice: invoice, amounts: amounts, iic: iic, iicInput: input, message: message)
    }

    /// Validates and signs a device registration; `today` is Montenegro's calendar day.
    public func sign(_ registration: TCRRegistration, header: MessageHeader, today: FiscalDate) throws -> SignedMessage {
        var found = registration.issues(today: today)
        found += tinMismatch(registration.issuerTIN, field: "issuer_tin")
        if !found.isEmpty { throw ValidationError(found) }
        return try finish(.registerTCR, registration.canonical(header: header), header)
    }

    /// Validates and signs a cash deposit.
    public func sign(_ deposit: CashDeposit, header: MessageHeader) throws -> SignedMessage {
        let found = deposit.issues + tinMismatch(deposit.issuerTIN, field: "issuer_tin")
        if !found.isEmpty { throw ValidationError(found) }
        return try finish(.registerCashDeposit, deposit.canonical(header: header), header)
    }

    private func tinMismatch(_ tin: String, field: String) -> [ValidationIssue] {
        guard let certificateTIN = identity.certificate.taxpayerTIN, TIN.isValid(tin), tin != certificateTIN.value else { return [] }
        return [ValidationIssue(.sellerMismatch, field: field, "'\(tin)' differs from the TIN \(certificateTIN.value) in the signing certificate (error 37)")]
    }

    private func finish(_ kind: MessageKind, _ canonical: [UInt8], _ header: MessageHeader) throws(SchemaError) -> SignedMessage {
        let xml = XMLSignature.sign(canonicalRoot: canonical, rootName: kind.requestElement, id: "Request", identity: identity)
        if checksSchema {
            try SchemaValidator.shared.validate(xml)
        }
        return SignedMessage(kind: kind, header: header, xml: xml)
    }
}

/// A signed invoice: the request to send and what goes on the receipt.
public struct SignedInvoice: Sendable, Hashable {
    /// The invoice as entered.
    public let invoice: Invoice
    /// Its computed lines, VAT groups and totals.
    public let amounts: InvoiceAmounts
    /// The IIC and its signature.
    public let iic: IIC
    /// What the IIC signed.
    public let iicInput: IICInput
    /// The signed `RegisterInvoiceRequest`.
    public let message: SignedMessage

    /// The QR code's verification URL.
    public func verificationURL(_ environment: EFIEnvironment) -> String {
        VerificationURL.make(environment: environment, iic: iic.code, input: iicInput)
    }
}
