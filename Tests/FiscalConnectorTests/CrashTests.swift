import EFISimulator
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import GRDB
import Testing

/// `kill -9` of a real `fiscal-connector serve` process in the middle of a burst of invoices,
/// then a restart: nothing lost, no ordinal duplicated or skipped, everything delivered once.
@Suite(.serialized) struct CrashTests {
    static var executable: String? { ExternalTools.built("fiscal-connector") }

    @Test(arguments: 1...3) func killDuringABurstLosesNothing(round: Int) async throws {
        guard let executable = Self.executable else {
            #expect(!ExternalTools.required, "fiscal-connector was not built")
            return
        }
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let config = try harness.writeConfiguration()
        let environment = harness.environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        let burst = 40
        let references = (0..<burst).map { "CRASH-\(round)-\($0)" }

        // Burst against the first process; kill it hard after a few answers.
        var server = try await BlockingWorkers.shared.run { try ConnectorProcess(executable: executable, config: config, environment: environment) }
        let answered = Counter()
        let victim = server
        let killer = Task {
            while answered.value < 8 { try? await Task.sleep(for: .milliseconds(5)) }
            await BlockingWorkers.shared.run { victim.kill9() }
        }
        let first = await withTaskGroup(of: (String, String?).self) { group in
            for reference in references {
                let url = "http://127.0.0.1:\(victim.port)/v1/invoices"
                group.addTask {
                    let answer = try? await HTTPTestClient.send("POST", url, contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: reference))
                    if answer != nil { answered.increment() }
                    return (reference, answer?.json?["iic"] as? String)
                }
            }
            return await group.reduce(into: [String: String]()) { if let iic = $1.1 { $0[$1.0] = iic } }
        }
        await killer.value
        #expect(!first.isEmpty, "some invoices were answered before the kill")
        print("crash round \(round): \(first.count) of \(burst) answered before kill -9")

        // Restart and send the whole burst again: answered references keep their IIC.
        server = try await BlockingWorkers.shared.run { try ConnectorProcess(executable: executable, config: config, environment: environment) }
        defer { server.process.terminate() }
        var second: [String: String] = [:]
        for reference in references {
            let answer = try await HTTPTestClient.send("POST", "http://127.0.0.1:\(server.port)/v1/invoices", contentType: "application/json",
                                                       body: ConnectorHarness.invoiceJSON(reference: reference))
            #expect([200, 202].contains(answer.status), "\(reference): \(String(decoding: answer.body, as: UTF8.self))")
            second[reference] = answer.json?["iic"] as? String
        }
        for (reference, iic) in first { #expect(second[reference] == iic, "\(reference) changed its IIC after the crash") }
        var pending = -1
        for _ in 0..<20 where pending != 0 {
            _ = try await HTTPTestClient.send("POST", "http://127.0.0.1:\(server.port)/v1/deliveries")
            pending = (try await HTTPTestClient.send("GET", "http://127.0.0.1:\(server.port)/v1/status")).json?["pending_count"] as? Int ?? -1
        }
        #expect(pending == 0, "every pending document delivered")
        server.process.terminate()
        let last = server
        await BlockingWorkers.shared.run { last.process.waitUntilExit() }

        // The journal: one invoice per reference, ordinals 1…N without gap or duplicate, all fiscalized once.
        let journal = try DatabaseQueue(path: harness.directory + "/journal.sqlite")
        let ordinals = try await journal.read { db in try Int.fetchAll(db, sql: "SELECT ordinal FROM document WHERE kind = 'invoice' ORDER BY ordinal") }
        #expect(ordinals == Array(1...burst))
        let referencesInJournal = try await journal.read { db in try String.fetchSet(db, sql: "SELECT reference FROM document WHERE kind = 'invoice'") }
        #expect(referencesInJournal == Set(references))
        let unfiscalized = try await journal.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document d WHERE NOT EXISTS (SELECT 1 FROM attempt a WHERE a.document_id = d.id AND a.outcome = 'fiscalized')")
        }
        #expect(unfiscalized == 0)
        let registered = await harness.simulator.invoices
        #expect(registered.count == burst, "the tax authority holds each invoice exactly once")
        #expect(Set(registered.map(\.iic)) == Set(second.values))
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    func increment() { lock.withLock { count += 1 } }
}
