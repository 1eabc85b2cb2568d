import Foundation
public import MontenegroFiscal

/// What the connector answers for an invoice, in every interface (command, HTTP, library).
public struct FiscalizationResult: Sendable, Codable, Equatable {
    /// The outcome.
    public enum Status: String, Sendable, Codable {
        /// Registered by the tax authority: the FIC is there.
        case fiscalized
        /// Issued with IIC and QR, not yet registered: the connector delivers it later (FIC to follow).
        case deferred
        /// Nothing valid was issued: bad input, or a blocking refusal by the tax authority.
        case rejected
    }

    /// A problem, with the field and the tax authority's code where known.
    public struct Problem: Sendable, Codable, Equatable {
        /// The connector's code, e.g. `invalid_input`, `authority_rejected`.
        public var code: String
        /// What is wrong and how to fix it.
        public var message: String
        /// The input field concerned.
        public var field: String?
        /// The tax authority's error code.
        public var authorityCode: Int?
        /// Every input problem, when there are several.
        public var issues: [Issue]?

        /// One input problem.
        public struct Issue: Sendable, Codable, Equatable {
            public var code: String
            public var field: String
            public var message: String
        }

        enum CodingKeys: String, CodingKey {
            case code, message, field, authorityCode = "authority_code", issues
        }

        /// Creates a problem.
        public init(code: String, message: String, field: String? = nil, authorityCode: Int? = nil, issues: [Issue]? = nil) {
            self.code = code
            self.message = message
            self.field = field
            self.authorityCode = authorityCode
            self.issues = issues
        }
    }

    public var status: Status
    public var reference: String?
    public var invoiceNumber: String?
    public var ordinal: Int?
    public var iic: String?
    public var iicSignature: String?
    public var fic: String?
    public var issuedAt: String?
    public var fiscalizedAt: String?
    public var qrURL: String?
    /// For deferred invoices: when it must be fiscalized at the latest.
    public var deliverBy: String?
    public var warnings: [String]
    public var error: Problem?
    /// With `--dry-run`: the signed request that would be sent.
    public var signedRequest: String?

    enum CodingKeys: String, CodingKey {
        case status, reference, invoiceNumber = "invoice_number", ordinal, iic, iicSignature = "iic_signature", fic
        case issuedAt = "issued_at", fiscalizedAt = "fiscalized_at", qrURL = "qr_url", deliverBy = "deliver_by", warnings, error
        case signedRequest = "signed_request"
    }

    /// Creates a result.
    public init(status: Status, reference: String? = nil, invoiceNumber: String? = nil, ordinal: Int? = nil, iic: String? = nil,
                iicSignature: String? = nil, fic: String? = nil, issuedAt: String? = nil, fiscalizedAt: String? = nil,
                qrURL: String? = nil, deliverBy: String? = nil, warnings: [String] = [], error: Problem? = nil) {
        self.status = status
        self.reference = reference
        self.invoiceNumber = invoiceNumber
        self.ordinal = ordinal
        self.iic = iic
        self.iicSignature = iicSignature
        self.fic = fic
        self.issuedAt = issuedAt
        self.fiscalizedAt = fiscalizedAt
        self.qrURL = qrURL
        self.deliverBy = deliverBy
        self.warnings = warnings
        self.error = error
    }

    /// A rejection for input problems (nothing issued).
    public static func invalid(_ error: ValidationError, reference: String?) -> FiscalizationResult {
        let first = error.issues.first
        return FiscalizationResult(status: .rejected, reference: reference, error: Problem(
            code: "invalid_input", message: error.issues.map(\.description).joined(separator: "; "), field: first?.field,
            issues: error.issues.map { Problem.Issue(code: $0.code.rawValue, field: $0.field, message: $0.message) }
        ))
    }

    /// A refusal because fiscal-admin suspended the device (nothing issued).
    public static func suspended(_ reason: String, reference: String?) -> FiscalizationResult {
        FiscalizationResult(status: .rejected, reference: reference, error: Problem(code: "suspended", message: reason, field: nil, issues: []))
    }

    /// Error codes that mean "outcome unknown" rather than "refused": nothing may be printed, and
    /// the same reference may (and should) be sent again.
    public static let unknownOutcomeCodes: Set<String> = ["internal", "journal", "in_progress", "unanswered"]

    /// The process exit code of `fiscalize`: 0 fiscalized, 3 deferred, 2 rejected (nothing
    /// issued), 1 internal error or outcome unknown (send the same reference again).
    public var exitCode: Int32 {
        switch status {
        case .fiscalized: 0
        case .deferred: 3
        case .rejected: error.map { Self.unknownOutcomeCodes.contains($0.code) } == true ? 1 : 2
        }
    }
}
