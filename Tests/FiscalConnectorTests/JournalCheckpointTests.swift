import FiscalConnector
import FiscalTesting
import Foundation
import GRDB
import Testing

@Suite struct JournalCheckpointTests {
    @Test func backgroundCheckpointsMoveTheLogIntoTheDatabase() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let path = try harness.writeConfiguration()
        let connector = try Connector(configuration: ConnectorConfiguration.load(path: path), environment: harness.environment, longRunning: true)
        for index in 0..<5 { _ = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "CP-\(index)", cash: false)) }
        let wal = harness.directory + "/journal.sqlite-wal"
        let before = try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int ?? 0
        #expect(before > 0, "commits leave their pages in the log")
        try connector.journal.checkpoint()
        // A fresh reader sees every invoice; the checkpoint never blocked or lost a commit.
        let queue = try DatabaseQueue(path: harness.directory + "/journal.sqlite")
        let count = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document WHERE kind = 'invoice'") }
        #expect(count == 5)
        let checkpointed = try queue.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        #expect(checkpointed?[0] as Int? == 0, "the checkpoint is not busy")
    }
}
