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

    /// Why nothing was issued, or why the outcome is not known: the closed set of problem codes.
    public enum ProblemCode: String, Sendable, Codable, CaseIterable {
        /// The input is wrong; the message names the field, the value and the fix.
        case invalidInput = "invalid_input"
        /// The reference was used before for different content.
        case referenceConflict = "reference_conflict"
        /// fiscal-admin suspended this device.
        case suspended
        /// The tax authority refused it for good.
        case authorityRejected = "authority_rejected"
        /// The configuration file is wrong.
        case configuration
        /// The signing certificate cannot be used (expired, missing).
        case certificate
        /// The connector license is missing or expired.
        case license
        /// A CASH invoice found no INITIAL deposit for its day, and none is registered automatically.
        case initialDepositMissing = "initial_deposit_missing"
        /// The automatic INITIAL deposit was refused.
        case initialDepositFailed = "initial_deposit_failed"
        /// An error inside the connector: the outcome is unknown.
        case `internal`
        /// The journal could not be written or read: the outcome is unknown.
        case journal
        /// Another call is issuing the same reference right now.
        case inProgress = "in_progress"
        /// The tax authority did not answer a request that is not journaled (a registration).
        case unanswered

        /// Whether the outcome is unknown rather than refused: nothing may be printed, and the same
        /// reference may (and should) be sent again.
        public var outcomeUnknown: Bool {
            switch self {
            case .internal, .journal, .inProgress, .unanswered: true
            case .invalidInput, .referenceConflict, .suspended, .authorityRejected, .configuration, .certificate, .license,
                 .initialDepositMissing, .initialDepositFailed: false
            }
        }
    }

    /// A problem, with the field and the tax authority's code where known.
    public struct Problem: Sendable, Codable, Equatable {
        /// The connector's code.
        public var code: ProblemCode
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
        public init(code: ProblemCode, message: String, field: String? = nil, authorityCode: Int? = nil, issues: [Issue]? = nil) {
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
            code: .invalidInput, message: error.issues.map(\.description).joined(separator: "; "), field: first?.field,
            issues: error.issues.map { Problem.Issue(code: $0.code.rawValue, field: $0.field, message: $0.message) }
        ))
    }

    /// A refusal because fiscal-admin suspended the device (nothing issued).
    public static func suspended(_ reason: String, reference: String?) -> FiscalizationResult {
        FiscalizationResult(status: .rejected, reference: reference, error: Problem(code: .suspended, message: reason, field: nil, issues: []))
    }

    /// The process exit code of `fiscalize`: 0 fiscalized, 3 deferred, 2 rejected (nothing
    /// issued), 1 internal error or outcome unknown (send the same reference again).
    public var exitCode: Int32 {
        switch status {
        case .fiscalized: 0
        case .deferred: 3
        case .rejected: error?.code.outcomeUnknown == true ? 1 : 2
        }
    }
}
