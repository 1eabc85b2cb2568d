import FiscalCore
public import Foundation
import GRDB

extension Journal {
    /// What the journal says about this device's work, as the admin server's heartbeat reports it.
    public struct Activity: Sendable, Equatable {
        /// Invoices with a FIC, per environment (`test`, `production`).
        public var fiscalizedInvoices: [String: Int]
        /// Documents of any environment still waiting for delivery.
        public var pending: Int
        /// The earliest delivery deadline among them.
        public var oldestDeadline: Date?
        /// The most recent FIC received for an invoice.
        public var lastFIC: String?
        /// When it was received.
        public var lastFiscalizedAt: Date?
    }

    /// The heartbeat's figures in one read: counts come from an index of fiscalized attempts, so
    /// neither documents nor their XML are loaded.
    public func activity() async throws -> Activity {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.environment AS environment, COUNT(DISTINCT a.document_id) AS count
                FROM attempt a INDEXED BY attempt_fiscalized JOIN document d ON d.id = a.document_id
                WHERE a.outcome = 'fiscalized' AND d.kind = 'invoice'
                GROUP BY d.environment
                """)
            for row in rows { counts[row["environment"]] = row["count"] }
            let deadlines = try String.fetchAll(db, sql: "SELECT d.deadline FROM open_document o JOIN document d ON d.id = o.document_id")
            let last = try Row.fetchOne(db, sql: """
                SELECT a.code AS code, a.finished_at AS finished_at
                FROM attempt a JOIN document d ON d.id = a.document_id
                WHERE a.outcome = 'fiscalized' AND d.kind = 'invoice' AND a.code IS NOT NULL
                ORDER BY a.id DESC LIMIT 1
                """)
            return Activity(
                fiscalizedInvoices: counts, pending: deadlines.count,
                oldestDeadline: deadlines.compactMap(ISOTime.date).min(),
                lastFIC: last?["code"], lastFiscalizedAt: (last?["finished_at"] as String?).flatMap(ISOTime.date)
            )
        }
    }
}
