public import FiscalQueue
import Foundation
public import GRDB

/// One issued document: an invoice, a cash deposit or a device registration, as signed.
public struct JournalDocument: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "document"

    /// Row id.
    public var id: Int64?
    /// `invoice`, `deposit` or `tcr`.
    public var kind: String
    /// The caller's unique reference (idempotency key).
    public var reference: String
    /// SHA-256 of the request content, to refuse the same reference with different content.
    public var contentHash: String
    /// `test` or `production`.
    public var environment: String
    /// Issuer TIN.
    public var tin: String
    /// Business unit code.
    public var businessUnit: String
    /// TCR code.
    public var tcr: String
    /// Invoice year (Montenegro's calendar).
    public var year: Int?
    /// Invoice ordinal within TCR and year.
    public var ordinal: Int?
    /// Invoice number `BU/ordinal/year/TCR`.
    public var number: String?
    /// Montenegro's calendar day of issue, `YYYY-MM-DD`.
    public var businessDay: String
    /// CASH/NONCASH for invoices, INITIAL/WITHDRAW for deposits.
    public var operation: String?
    /// The IIC.
    public var iic: String?
    /// The IIC signature.
    public var iicSignature: String?
    /// `IssueDateTime` or `ChangeDateTime`, as sent.
    public var issuedAt: String
    /// `TotPrice` or `CashAmt`.
    public var total: String
    /// The document as a JSON model, to sign it again for a later delivery.
    public var payload: String
    /// The first signed request element.
    public var requestXML: String
    /// The first message's header UUID.
    public var messageUUID: String
    /// The QR verification URL.
    public var qrURL: String?
    /// Warnings given when it was issued (JSON array).
    public var warnings: String
    /// When it was journaled (ISO 8601).
    public var createdAt: String
    /// When it must be fiscalized at the latest (48 hours after issue).
    public var deadline: String

    enum CodingKeys: String, CodingKey {
        case id, kind, reference, contentHash = "content_hash", environment, tin, businessUnit = "business_unit", tcr, year, ordinal, number
        case businessDay = "business_day", operation, iic, iicSignature = "iic_signature", issuedAt = "issued_at", total, payload
        case requestXML = "request_xml", messageUUID = "message_uuid", qrURL = "qr_url", warnings, createdAt = "created_at", deadline
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// One attempt to deliver a document, with its outcome.
public struct JournalAttempt: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "attempt"

    /// Row id.
    public var id: Int64?
    /// The document.
    public var documentID: Int64
    /// 1 for the first attempt.
    public var number: Int
    /// The message's header UUID.
    public var messageUUID: String
    /// `SubseqDelivType` sent, if any.
    public var subsequentDelivery: String?
    /// When sending started.
    public var startedAt: String
    /// When the outcome was known.
    public var finishedAt: String
    /// Fiscalized, rejected (blocking fault) or failed (deliver again).
    public var outcome: AttemptOutcome
    /// FIC, FCDC or TCR code.
    public var code: String?
    /// The tax authority's error code.
    public var faultCode: Int?
    /// The tax authority's error text.
    public var faultMessage: String?
    /// Transport failure code (timeout, connection …), as stored: ``failureCode`` reads it.
    public var failure: String?
    /// Details of the failure.
    public var detail: String?
    /// The request sent, when it differs from the document's first message.
    public var requestXML: String?
    /// The answer received.
    public var responseXML: String?

    enum CodingKeys: String, CodingKey {
        case id, documentID = "document_id", number, messageUUID = "message_uuid", subsequentDelivery = "subsequent_delivery"
        case startedAt = "started_at", finishedAt = "finished_at", outcome, code, faultCode = "fault_code", faultMessage = "fault_message"
        case failure, detail, requestXML = "request_xml", responseXML = "response_xml"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Why no usable answer arrived; `nil` when one did, or for a reason this version does not know
    /// (journals keep what older versions wrote).
    public var failureCode: TransportFailure.Code? { failure.flatMap(TransportFailure.Code.init(rawValue:)) }

    /// Whether the tax authority's service, not this side, kept the document from being registered:
    /// no answer, no connection, an unreadable answer, or a server-side fault (900 and above).
    var serviceFailed: Bool {
        switch failureCode {
        case .timeout, .connection, .unreadableAnswer: true
        case .tls, .untrustedAnswer: false
        case nil: (faultCode ?? 0) >= 900
        }
    }
}

/// Where a document stands.
public enum DocumentState: String, Sendable, Codable {
    /// The tax authority registered it (FIC, FCDC or TCR code received).
    case fiscalized
    /// The tax authority refused it with a blocking fault.
    case rejected
    /// Issued, waiting for delivery.
    case pending
}

/// A document with its attempts.
public struct JournalEntry: Sendable, Equatable {
    /// The document.
    public let document: JournalDocument
    /// Its attempts, oldest first.
    public let attempts: [JournalAttempt]

    /// The derived state.
    public var state: DocumentState {
        if attempts.contains(where: { $0.outcome == .fiscalized }) { return .fiscalized }
        if attempts.contains(where: { $0.outcome == .rejected }) { return .rejected }
        return .pending
    }

    /// The successful attempt.
    public var success: JournalAttempt? { attempts.first { $0.outcome == .fiscalized } }
    /// The refusing attempt.
    public var rejection: JournalAttempt? { attempts.first { $0.outcome == .rejected } }
    /// The most recent attempt.
    public var lastAttempt: JournalAttempt? { attempts.last }
    /// The warnings recorded at issue.
    public var warnings: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(document.warnings.utf8))) ?? []
    }
}
