import Foundation
public import MontenegroFiscal

/// What the connector answers for an invoice, in every interface (command, HTTP, library).
public struct FiscalizationResult: Sendable, Codable, Equatable {
    /// The outcome as the wire names it (see ``Outcome`` for the typed one).
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

    /// What happened, with what belongs to it: the single source of ``status``, ``fic``,
    /// ``fiscalizedAt``, ``deliverBy`` and ``error``.
    public enum Outcome: Sendable, Equatable {
        /// Registered by the tax authority, with its code (FIC or FCDC) and when.
        case fiscalized(fic: String?, at: String?)
        /// Issued, not yet registered: delivered before `deliverBy`.
        case deferred(deliverBy: String?)
        /// Nothing valid was issued, for the reason given.
        case rejected(Problem)
        /// Not known whether it was issued (an internal or journal error, another call still
        /// sending it): nothing may be printed, and the same reference should be sent again.
        case unknown(Problem)

        /// The outcome of a problem: unknown or rejected by its code.
        public static func refused(_ problem: Problem) -> Outcome {
            problem.code.outcomeUnknown ? .unknown(problem) : .rejected(problem)
        }
    }

    public var outcome: Outcome
    public var reference: String?
    public var invoiceNumber: String?
    public var ordinal: Int?
    public var iic: String?
    public var iicSignature: String?
    public var issuedAt: String?
    public var qrURL: String?
    public var warnings: [String]
    /// With `--dry-run`: the signed request that would be sent.
    public var signedRequest: String?

    /// The outcome as the wire has it: an unknown outcome is sent as `rejected` with its problem code.
    public var status: Status {
        switch outcome {
        case .fiscalized: .fiscalized
        case .deferred: .deferred
        case .rejected, .unknown: .rejected
        }
    }

    /// The tax authority's code (FIC, FCDC or TCR code) once fiscalized.
    public var fic: String? {
        if case .fiscalized(let fic, _) = outcome { return fic }
        return nil
    }

    /// When it was fiscalized.
    public var fiscalizedAt: String? {
        if case .fiscalized(_, let at) = outcome { return at }
        return nil
    }

    /// For deferred invoices: when it must be fiscalized at the latest.
    public var deliverBy: String? {
        if case .deferred(let deliverBy) = outcome { return deliverBy }
        return nil
    }

    /// Why nothing was issued, or why the outcome is unknown.
    public var error: Problem? {
        switch outcome {
        case .rejected(let problem), .unknown(let problem): problem
        case .fiscalized, .deferred: nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case status, reference, invoiceNumber = "invoice_number", ordinal, iic, iicSignature = "iic_signature", fic
        case issuedAt = "issued_at", fiscalizedAt = "fiscalized_at", qrURL = "qr_url", deliverBy = "deliver_by", warnings, error
        case signedRequest = "signed_request"
    }

    /// Creates a result with its outcome.
    public init(_ outcome: Outcome, reference: String? = nil, invoiceNumber: String? = nil, ordinal: Int? = nil, iic: String? = nil,
                iicSignature: String? = nil, issuedAt: String? = nil, qrURL: String? = nil, warnings: [String] = []) {
        self.outcome = outcome
        self.reference = reference
        self.invoiceNumber = invoiceNumber
        self.ordinal = ordinal
        self.iic = iic
        self.iicSignature = iicSignature
        self.issuedAt = issuedAt
        self.qrURL = qrURL
        self.warnings = warnings
    }

    /// Creates a result from its wire fields; a rejection without a problem is an unknown outcome.
    public init(status: Status, reference: String? = nil, invoiceNumber: String? = nil, ordinal: Int? = nil, iic: String? = nil,
                iicSignature: String? = nil, fic: String? = nil, issuedAt: String? = nil, fiscalizedAt: String? = nil,
                qrURL: String? = nil, deliverBy: String? = nil, warnings: [String] = [], error: Problem? = nil) {
        let outcome: Outcome = switch status {
        case .fiscalized: .fiscalized(fic: fic, at: fiscalizedAt)
        case .deferred: .deferred(deliverBy: deliverBy)
        case .rejected: .refused(error ?? Problem(code: .internal, message: "refused without a reason"))
        }
        self.init(outcome, reference: reference, invoiceNumber: invoiceNumber, ordinal: ordinal, iic: iic, iicSignature: iicSignature,
                  issuedAt: issuedAt, qrURL: qrURL, warnings: warnings)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(status: try container.decode(Status.self, forKey: .status), reference: try container.decodeIfPresent(String.self, forKey: .reference),
                  invoiceNumber: try container.decodeIfPresent(String.self, forKey: .invoiceNumber), ordinal: try container.decodeIfPresent(Int.self, forKey: .ordinal),
                  iic: try container.decodeIfPresent(String.self, forKey: .iic), iicSignature: try container.decodeIfPresent(String.self, forKey: .iicSignature),
                  fic: try container.decodeIfPresent(String.self, forKey: .fic), issuedAt: try container.decodeIfPresent(String.self, forKey: .issuedAt),
                  fiscalizedAt: try container.decodeIfPresent(String.self, forKey: .fiscalizedAt), qrURL: try container.decodeIfPresent(String.self, forKey: .qrURL),
                  deliverBy: try container.decodeIfPresent(String.self, forKey: .deliverBy), warnings: try container.decode([String].self, forKey: .warnings),
                  error: try container.decodeIfPresent(Problem.self, forKey: .error))
        signedRequest = try container.decodeIfPresent(String.self, forKey: .signedRequest)
    }

    /// The wire JSON: the same fields and names as before the outcome was typed; absent values are left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(reference, forKey: .reference)
        try container.encodeIfPresent(invoiceNumber, forKey: .invoiceNumber)
        try container.encodeIfPresent(ordinal, forKey: .ordinal)
        try container.encodeIfPresent(iic, forKey: .iic)
        try container.encodeIfPresent(iicSignature, forKey: .iicSignature)
        try container.encodeIfPresent(fic, forKey: .fic)
        try container.encodeIfPresent(issuedAt, forKey: .issuedAt)
        try container.encodeIfPresent(fiscalizedAt, forKey: .fiscalizedAt)
        try container.encodeIfPresent(qrURL, forKey: .qrURL)
        try container.encodeIfPresent(deliverBy, forKey: .deliverBy)
        try container.encode(warnings, forKey: .warnings)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encodeIfPresent(signedRequest, forKey: .signedRequest)
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
        switch outcome {
        case .fiscalized: 0
        case .deferred: 3
        case .rejected: 2
        case .unknown: 1
        }
    }
}
