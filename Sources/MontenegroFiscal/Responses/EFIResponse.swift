/// What the tax authority answered, by operation.
public enum EFIResponse: Sendable, Hashable {
    /// The invoice is registered: here is its FIC.
    case invoice(header: ResponseHeader, fic: String)
    /// The device is registered: here is its TCR code.
    case tcr(header: ResponseHeader, tcrCode: String)
    /// The cash deposit is registered: here is its FCDC.
    case cashDeposit(header: ResponseHeader, fcdc: String)
    /// A SOAP fault.
    case fault(EFIFault)
}

/// The `Header` of a response.
public struct ResponseHeader: Sendable, Hashable {
    /// The response's own UUID.
    public let uuid: String
    /// The UUID of the request answered.
    public let requestUUID: String
    /// When the service sent it, as written.
    public let sentAt: String
}

/// A SOAP fault from the service, with its EFI error code.
public struct EFIFault: Sendable, Hashable, CustomStringConvertible {
    /// `faultcode` (e.g. `SOAP-ENV:CLIENT`, `env:Server`).
    public let faultCode: String
    /// `faultstring`.
    public let message: String
    /// `detail/code`, the EFI error number, when present.
    public let code: Int?
    /// `detail/requestUUID`.
    public let requestUUID: String?
    /// `detail/responseUUID`.
    public let responseUUID: String?

    /// Creates a fault.
    public init(faultCode: String, message: String, code: Int?, requestUUID: String? = nil, responseUUID: String? = nil) {
        self.faultCode = faultCode
        self.message = message
        self.code = code
        self.requestUUID = requestUUID
        self.responseUUID = responseUUID
    }

    /// Whether to fix the message or to deliver it later unchanged.
    public var disposition: FaultDisposition { FaultDisposition(code: code, faultCode: faultCode) }

    public var description: String { "EFI fault \(code.map(String.init) ?? "?") (\(faultCode)): \(message)" }
}

/// What a fault means for the invoice, per the specification's error table (FS 3.6).
public enum FaultDisposition: String, Sendable, Hashable {
    /// Blocking: the message itself is wrong (size, schema, signature, VAT status, TIN, ID type,
    /// registration data). It must not be printed as fiscalized; fix it and issue again.
    case blocking
    /// Not the invoice's fault (service error, certificate or register status, clock, missing
    /// deposit): issue without FIC and deliver the same invoice later with `SubseqDelivType`.
    case retryable

    /// Classifies an EFI error code; unknown codes count as blocking unless the server reports them.
    public init(code: Int?, faultCode: String) {
        guard let code else {
            self = faultCode.uppercased().hasSuffix("SERVER") ? .retryable : .blocking
            return
        }
        switch code {
        case 900...999: self = .retryable                 // internal server errors
        case 2: self = .retryable                         // client clock: fix the clock, resend
        case 34, 35, 36, 38, 39: self = .retryable        // certificate problems (FS 3.6.1: fix within 48 h)
        case 41, 42, 43, 52, 53, 55: self = .retryable    // register status of unit, software, taxpayer, device
        case 58: self = .retryable                        // register the day's INITIAL deposit, then resend
        case 0, 1, 10, 11, 20...33, 37, 44, 45...51, 54, 56, 57: self = .blocking
        default: self = faultCode.uppercased().hasSuffix("SERVER") ? .retryable : .blocking
        }
    }
}
