import FiscalQueue
import Foundation
import GRDB

extension Journal {
    /// The result of asking to issue a document.
    public enum IssueOutcome: Sendable {
        /// A new document was journaled.
        case issued(JournalEntry)
        /// The reference was known: the stored document, nothing new issued.
        case existing(JournalEntry)
    }

    /// Where a new invoice number comes from: this TCR's counter for the year, in this environment.
    public struct OrdinalScope: Sendable {
        /// `test` or `production`.
        public let environment: String
        /// The TCR code.
        public let tcr: String
        /// Montenegro's calendar year of the invoice.
        public let year: Int

        /// Creates a scope.
        public init(environment: String, tcr: String, year: Int) {
            self.environment = environment
            self.tcr = tcr
            self.year = year
        }
    }

    /// Journals a new document in one transaction (blocking: call it off the cooperative pool,
    /// e.g. inside ``Connector``'s own threads): returns the stored one if `reference` is known
    /// (and throws if its content differs); otherwise allocates the next ordinal of `scope` (for
    /// invoices), lets `make` build and sign the document with it, and commits it.
    public func issue(reference: String, contentHash: String, ordinalScope scope: OrdinalScope?,
                      make: (_ ordinal: Int?) throws -> JournalDocument) throws -> IssueOutcome {
        try pool.write { db in
            if let existing = try JournalDocument.filter(Column("reference") == reference).fetchOne(db) {
                guard existing.contentHash == contentHash else {
                    throw JournalError(.referenceConflict, "the reference '\(reference)' was already used for a different document (\(existing.kind) issued \(existing.issuedAt)): use a new reference for a new invoice, or send exactly the same content to get the stored result")
                }
                return .existing(try entry(existing, db))
            }
            var ordinal: Int?
            if let scope {
                let last = try Int.fetchOne(db, sql: "SELECT MAX(ordinal) FROM document WHERE kind = 'invoice' AND environment = ? AND tcr = ? AND year = ?",
                                            arguments: [scope.environment, scope.tcr, scope.year]) ?? 0
                ordinal = last + 1
            }
            var document = try make(ordinal)
            try document.insert(db)
            if document.kind != "tcr" {
                try db.execute(sql: "INSERT INTO open_document (document_id) VALUES (?)", arguments: [document.id])
            }
            return .issued(JournalEntry(document: document, attempts: []))
        }
    }

    /// Records one delivery attempt's outcome.
    @discardableResult
    public func record(_ attempt: JournalAttempt) throws -> JournalAttempt {
        try pool.write { db in
            var attempt = attempt
            attempt.number = (try Int.fetchOne(db, sql: "SELECT MAX(number) FROM attempt WHERE document_id = ?", arguments: [attempt.documentID]) ?? 0) + 1
            try attempt.insert(db)
            if attempt.outcome.isFinal {
                try db.execute(sql: "DELETE FROM open_document WHERE document_id = ?", arguments: [attempt.documentID])
            }
            return attempt
        }
    }

    /// The document with this reference.
    public func entry(reference: String) async throws -> JournalEntry? {
        try await pool.read { db in
            try JournalDocument.filter(Column("reference") == reference).fetchOne(db).map { try entry($0, db) }
        }
    }

    /// The invoices with these IICs (upper-case hex) issued in an environment, by IIC.
    public func invoices(iics: [String], environment: String) async throws -> [String: JournalEntry] {
        guard !iics.isEmpty else { return [:] }
        return try await pool.read { db in
            let documents = try JournalDocument
                .filter(Column("kind") == "invoice" && Column("environment") == environment && iics.contains(Column("iic")))
                .fetchAll(db)
            var found: [String: JournalEntry] = [:]
            for document in documents { if let iic = document.iic { found[iic] = try entry(document, db) } }
            return found
        }
    }

    /// The document with this id.
    public func entry(id: Int64) async throws -> JournalEntry? {
        try await pool.read { db in try JournalDocument.fetchOne(db, key: id).map { try entry($0, db) } }
    }

    /// Documents newest first, optionally of one kind or state.
    public func entries(kind: String? = nil, state: DocumentState? = nil, day: String? = nil, limit: Int = 100) async throws -> [JournalEntry] {
        try await pool.read { db in
            var request = JournalDocument.order(Column("id").desc)
            if let kind { request = request.filter(Column("kind") == kind) }
            if let day { request = request.filter(Column("business_day") == day) }
            let documents = try request.fetchAll(db)
            var result: [JournalEntry] = []
            for document in documents {
                let item = try entry(document, db)
                if state == nil || item.state == state { result.append(item) }
                if result.count >= limit { break }
            }
            return result
        }
    }

    /// Documents waiting for delivery, oldest first (deposits and invoices in issue order).
    public func pending(environment: String) async throws -> [JournalEntry] {
        try await pool.read { db in
            let documents = try JournalDocument.fetchAll(db, sql: """
                SELECT d.* FROM open_document o JOIN document d ON d.id = o.document_id
                WHERE d.environment = ? ORDER BY d.id
                """, arguments: [environment])
            return try documents.map { try entry($0, db) }
        }
    }

    /// Whether an INITIAL deposit was issued for this TCR on this business day (delivered or not).
    public func hasInitialDeposit(environment: String, tcr: String, day: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM document d WHERE d.kind = 'deposit' AND d.operation = 'INITIAL'
                    AND d.environment = ? AND d.tcr = ? AND d.business_day = ?
                    AND NOT EXISTS (SELECT 1 FROM attempt a WHERE a.document_id = d.id AND a.outcome = 'rejected'))
                """, arguments: [environment, tcr, day]) ?? false
        }
    }

    /// The highest ordinal issued for a TCR in a year (0 when none).
    public func lastOrdinal(_ scope: OrdinalScope) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT MAX(ordinal) FROM document WHERE kind = 'invoice' AND environment = ? AND tcr = ? AND year = ?",
                             arguments: [scope.environment, scope.tcr, scope.year]) ?? 0
        }
    }

    /// When the tax authority last answered (any answer, fault included), if ever.
    public func lastContact() async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT finished_at FROM attempt WHERE outcome IN ('fiscalized', 'rejected') OR fault_code IS NOT NULL ORDER BY id DESC LIMIT 1")
        }
    }

    private func entry(_ document: JournalDocument, _ db: Database) throws -> JournalEntry {
        let attempts = try JournalAttempt.filter(Column("document_id") == document.id).order(Column("number")).fetchAll(db)
        return JournalEntry(document: document, attempts: attempts)
    }
}
