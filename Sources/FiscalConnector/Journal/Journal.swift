public import FiscalCore
import Foundation
import GRDB

/// The connector's durable record of everything it issued and every attempt to deliver it.
///
/// One SQLite file in WAL mode with `synchronous = FULL`: a document is committed, with its
/// ordinal and signed request, before anything is sent. Fiscal records are append-only (triggers
/// refuse UPDATE and DELETE); a document's state is derived from its attempts.
public struct Journal: Sendable {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the journal at `path`, checks its integrity and migrates it.
    /// With `backgroundCheckpoints`, commits never copy the write-ahead log into the database
    /// themselves; the long-running owner calls ``checkpoint()`` instead (`serve` does, every few
    /// seconds), so no invoice waits for a checkpoint.
    public init(path: String, backgroundCheckpoints: Bool = false) throws(JournalError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            if backgroundCheckpoints { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        }
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: configuration)
            // The integrity check reads the whole file: `serve` pays it once at start, not every command.
            let check = backgroundCheckpoints ? try pool.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") } : "ok"
            guard check == "ok" else {
                throw JournalError(.corrupt, "the journal \(path) failed its integrity check (\(check ?? "no answer")); restore it from a backup and keep the damaged copy for support")
            }
            try Self.migrator.migrate(pool)
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(.unavailable, "cannot open the journal \(path): \(error)")
        }
    }

    /// Copies the write-ahead log into the database file from a connection of its own (PASSIVE:
    /// it never blocks the writer), without waiting.
    public func checkpoint() throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        try queue.close()
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE document (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'deposit', 'tcr')),
                    reference TEXT NOT NULL UNIQUE,
                    content_hash TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    tin TEXT NOT NULL,
                    business_unit TEXT NOT NULL,
                    tcr TEXT NOT NULL,
                    year INTEGER,
                    ordinal INTEGER,
                    number TEXT,
                    business_day TEXT NOT NULL,
                    operation TEXT,
                    iic TEXT,
                    iic_signature TEXT,
                    issued_at TEXT NOT NULL,
                    total TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    request_xml TEXT NOT NULL,
                    message_uuid TEXT NOT NULL,
                    qr_url TEXT,
                    warnings TEXT NOT NULL DEFAULT '[]',
                    created_at TEXT NOT NULL,
                    deadline TEXT NOT NULL,
                    UNIQUE (environment, tcr, year, ordinal)
                );
                CREATE INDEX document_day ON document (environment, tcr, business_day, kind);
                CREATE TABLE attempt (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    document_id INTEGER NOT NULL REFERENCES document (id),
                    number INTEGER NOT NULL,
                    message_uuid TEXT NOT NULL,
                    subsequent_delivery TEXT,
                    started_at TEXT NOT NULL,
                    finished_at TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('fiscalized', 'rejected', 'failed')),
                    code TEXT,
                    fault_code INTEGER,
                    fault_message TEXT,
                    failure TEXT,
                    detail TEXT,
                    request_xml TEXT,
                    response_xml TEXT,
                    UNIQUE (document_id, number)
                );
                CREATE INDEX attempt_document ON attempt (document_id);
                CREATE TRIGGER document_append_only_update BEFORE UPDATE ON document
                    BEGIN SELECT RAISE(ABORT, 'fiscal records are append-only'); END;
                CREATE TRIGGER document_append_only_delete BEFORE DELETE ON document
                    BEGIN SELECT RAISE(ABORT, 'fiscal records are append-only'); END;
                CREATE TRIGGER attempt_append_only_update BEFORE UPDATE ON attempt
                    BEGIN SELECT RAISE(ABORT, 'fiscal records are append-only'); END;
                CREATE TRIGGER attempt_append_only_delete BEFORE DELETE ON attempt
                    BEGIN SELECT RAISE(ABORT, 'fiscal records are append-only'); END;
                """)
        }
        migrator.registerMigration("v2-open-documents") { db in
            // An index of documents still waiting for a final outcome, so the deliverer never scans
            // the whole journal. Not a fiscal record: a row goes when its document's outcome is final.
            try db.execute(sql: """
                CREATE TABLE open_document (document_id INTEGER PRIMARY KEY REFERENCES document (id));
                INSERT INTO open_document (document_id)
                    SELECT d.id FROM document d WHERE d.kind != 'tcr' AND NOT EXISTS (
                        SELECT 1 FROM attempt a WHERE a.document_id = d.id AND a.outcome IN ('fiscalized', 'rejected'));
                """)
        }
        migrator.registerMigration("v3-fiscalized-attempts") { db in
            // Counts of fiscalized invoices for the admin server's heartbeat, from this small index
            // rather than from a scan of attempts and their XML. Not a fiscal record.
            try db.execute(sql: "CREATE INDEX attempt_fiscalized ON attempt (document_id) WHERE outcome = 'fiscalized'")
        }
        migrator.registerMigration("v4-document-iic") { db in
            // SUMMARY and PERIODICAL invoices take their referenced invoices' amounts from the journal.
            try db.execute(sql: "CREATE INDEX document_iic ON document (iic) WHERE iic IS NOT NULL")
        }
        return migrator
    }
}

/// A journal that cannot be used.
public struct JournalError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The file cannot be opened or written.
        case unavailable
        /// The file is damaged.
        case corrupt
        /// The same reference was used for different content.
        case referenceConflict
    }

    /// What went wrong.
    public let code: Code
    /// Details and the fix.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }


}
