@testable import FiscalConnector
import Foundation
import GRDB
import Testing

@Suite struct JournalMigrationTests {
    @Test func openDocumentIndexIsBackfilledFromVersionOne() async throws {
        let path = NSTemporaryDirectory() + "journal-v1-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try Journal.migrator.migrate(queue, upTo: "v1")
        try await queue.write { db in
            for (id, reference) in [(1, "pending"), (2, "done")] {
                try db.execute(sql: """
                    INSERT INTO document (id, kind, reference, content_hash, environment, tin, business_unit, tcr, business_day, issued_at, total, payload, request_xml, message_uuid, created_at, deadline)
                    VALUES (?, 'invoice', ?, 'h', 'test', '12345678', 'xx123xx123', 'si747we972', '2026-11-21', 'x', '1.00', '{}', '<x/>', 'u', 'x', 'x')
                    """, arguments: [id, reference])
            }
            try db.execute(sql: "INSERT INTO attempt (document_id, number, message_uuid, started_at, finished_at, outcome) VALUES (2, 1, 'u', 'x', 'x', 'fiscalized')")
        }
        try queue.close()
        let journal = try Journal(path: path)
        let pending = try await journal.pending(environment: "test")
        #expect(pending.map(\.document.reference) == ["pending"])
    }
}
