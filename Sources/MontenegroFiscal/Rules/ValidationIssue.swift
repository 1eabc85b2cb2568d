public import FiscalCore

/// One problem found in a message before it is signed: what rule, which field, how to fix it.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// The closed set of rules.
    public enum Code: String, Sendable, Hashable {
        /// A mandatory value is missing.
        case required
        /// A text is longer than the schema allows.
        case tooLong
        /// A value does not have the required shape (pattern).
        case invalidFormat
        /// A text contains characters XML cannot carry.
        case invalidCharacters
        /// A value is not in the schema's list.
        case unknownCode
        /// More entries than the schema allows.
        case tooMany
        /// The same type appears twice where the schema allows it once.
        case duplicate
        /// A value is given where this kind of invoice must not carry it.
        case notAllowed
        /// A number is outside its permitted range.
        case outOfRange
        /// A number carries more decimals than allowed.
        case tooManyDecimals
        /// A CASH invoice has no BANKNOTE, CARD or OTHER-CASH payment.
        case cashPaymentMissing
        /// A NONCASH invoice has a cash payment method.
        case cashPaymentNotAllowed
        /// Payments do not add up to the invoice total.
        case paymentTotalMismatch
        /// Amounts given by the issuer do not agree with each other.
        case totalMismatch
        /// A buyer is required for this invoice.
        case buyerRequired
        /// References to other invoices are required for this invoice.
        case referenceRequired
        /// The seller does not match the signing certificate.
        case sellerMismatch
        /// A field name the input does not know (a misspelling, or a field of another object).
        case unknownField
        /// A VAT rate that is not in force on the invoice's issue day.
        case vatRateNotInForce
        /// An issue time outside the window allowed now (late-delivery deadline, clock skew, certificate validity).
        case outsideIssueWindow
        /// A referenced invoice's issue time, amount or VAT groups differ from what was issued.
        case referenceMismatch
    }

    /// The rule that failed.
    public let code: Code
    /// Path of the field in the input, e.g. `items[2].quantity`.
    public let field: String
    /// What is wrong and how to fix it, naming the value.
    public let message: String

    /// Creates an issue.
    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// A message that cannot be signed, with every problem found.
///
/// Its code is the first issue's rule, so `#expect(error.code == .totalMismatch)` reads as for any
/// other error; ``issues`` holds them all, each with the field it came from.
public struct ValidationError: CodedError {
    /// The problems, in input order.
    public let issues: [ValidationIssue]

    /// Creates the error; `issues` is never empty where the library throws it.
    public init(_ issues: [ValidationIssue]) {
        self.issues = issues
    }

    /// The rule of the first issue (`.invalidFormat` for an error built without issues).
    public var code: ValidationIssue.Code { issues.first?.code ?? .invalidFormat }

    /// Every issue, each as `field: message`.
    public var message: String {
        "invalid message (\(issues.count) problem\(issues.count == 1 ? "" : "s")): " + issues.map(\.description).joined(separator: "; ")
    }
}
