import EFISimulator
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import Hummingbird
import Logging
import MontenegroFiscal
import ServiceLifecycle
import Synchronization
import Testing

/// What a new user meets in the first hour: the demo, the simulator it leaves behind, and the
/// answers of the commands around them. Serialized and at low priority: the demo runs are processes
/// that mint RSA keys, and several at once would starve the timing-sensitive tests beside them.
@Suite(.serialized) struct FirstHourTests {
    func run(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) async throws -> ExternalTools.Run? {
        guard let executable = ExternalTools.built("fiscal-connector") else {
            #expect(!ExternalTools.required, "fiscal-connector was not built")
            return nil
        }
        // At low priority: the demo mints RSA keys, and the timing-sensitive tests running beside
        // this suite (one-second timeouts) must not lose their CPU to it.
        guard let nice = ExternalTools.find("nice") else {
            return try await ExternalTools.run(executable: executable, arguments, input: input, environment: environment)
        }
        return try await ExternalTools.run(executable: nice, ["-n", "19", executable] + arguments, input: input, environment: environment)
    }

    func folder() -> String {
        NSTemporaryDirectory() + "fiscal-first-hour-" + UUID().uuidString
    }

    /// A port nothing listens on right now.
    func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func results(_ stdout: String) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [[String: Any]] ?? []
    }

    // MARK: - demo and simulator

    @Test func theDemoRunsTwiceInTheSameFolderWithRealFICs() async throws {
        let directory = folder(), port = try freePort()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var firstOrdinal = 0
        for round in 1...2 {
            guard let demo = try await run(["demo", "--directory", directory, "--port", String(port), "--json"]) else { return }
            #expect(demo.status == 0, "round \(round): \(demo.standardError)")
            let documents = results(demo.standardOutput)
            #expect(documents.count == 5, "round \(round): \(demo.standardOutput)")
            for (index, document) in documents.enumerated() where index != 3 {
                #expect(document["status"] as? String == "fiscalized", "round \(round), step \(index + 1): \(document)")
                #expect((document["fic"] as? String)?.count == 36, "round \(round), step \(index + 1) has a real FIC")
            }
            #expect(documents.count == 5 && documents[3]["status"] as? String == "deferred")
            #expect(documents.count == 5 && documents[4]["iic"] as? String == documents[3]["iic"] as? String)
            let ordinal = documents.first?["ordinal"] as? Int ?? 0
            if round == 1 { firstOrdinal = ordinal } else { #expect(ordinal > firstOrdinal, "the journal's ordinals continue") }
        }
    }

    @Test func aDemoStepThatFailsMakesItExitNonZero() async throws {
        let directory = folder(), port = try freePort()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard let first = try await run(["demo", "--directory", directory, "--port", String(port)]) else { return }
        #expect(first.status == 0, "\(first.standardError)")
        // A simulator that forgot everything (its state deleted) does not know today's INITIAL
        // deposit the journal holds: the cash sale fails, and the demo must say so.
        try FileManager.default.removeItem(atPath: directory + "/" + Demo.simulatorStateFile)
        let second = try #require(try await run(["demo", "--directory", directory, "--port", String(port)]))
        #expect(second.status == 1)
        #expect(second.standardError.contains("did not go as narrated"), "\(second.standardError)")
        #expect(!second.standardOutput.contains("FIC now"), "nothing after the failed step is narrated")
    }

    @Test func theSimulatorCommandServesTheDemoConfiguration() async throws {
        let directory = folder(), port = try freePort()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard let demo = try await run(["demo", "--directory", directory, "--port", String(port)]) else { return }
        #expect(demo.status == 0, "\(demo.standardError)")
        #expect(demo.standardError.contains("fiscal-connector simulator --data \(URL(fileURLWithPath: directory).standardizedFileURL.path) --port \(port)"))
        let config = directory + "/connector.toml"
        let environment = ["FISCAL_CERT_PASSWORD": Demo.password]
        let invoice = ConnectorHarness.invoiceJSON(reference: "AFTER-DEMO-1")
        let executable = try #require(ExternalTools.built("fiscal-connector"))

        // Without the simulator the invoice is issued offline, as the issue describes.
        let offline = try #require(try await run(["fiscalize", "--config", config], input: invoice, environment: environment))
        #expect(offline.status == 3, "\(offline.output)")

        let simulator = try await BlockingWorkers.shared.run {
            try ConnectorProcess(executable: executable, arguments: ["simulator", "--data", directory, "--port", String(port)], environment: [:])
        }
        #expect(simulator.port == port)
        let again = try #require(try await run(["fiscalize", "--config", config], input: ConnectorHarness.invoiceJSON(reference: "AFTER-DEMO-2"), environment: environment))
        #expect(again.status == 0, "\(again.output)")
        let answer = (try? JSONSerialization.jsonObject(with: Data(again.standardOutput.utf8))) as? [String: Any]
        #expect((answer?["fic"] as? String)?.count == 36)
        let deliver = try #require(try await run(["deliver", "--config", config], environment: environment))
        #expect(deliver.status == 0, "the offline invoice is delivered too: \(deliver.output)")
        let status = await BlockingWorkers.shared.run { simulator.interrupt() }
        #expect(status == 0, "Ctrl-C stops the simulator gracefully")

        let busy = try await BlockingWorkers.shared.run {
            try ConnectorProcess(executable: executable, arguments: ["simulator", "--data", directory, "--port", "0"], environment: [:])
        }
        let taken = try #require(try await run(["simulator", "--data", directory, "--port", String(busy.port)]))
        let demoBeside = try #require(try await run(["demo", "--directory", directory, "--port", String(busy.port)]))
        _ = await BlockingWorkers.shared.run { busy.interrupt() }
        #expect(taken.status == 2 && taken.standardError.contains("127.0.0.1:\(busy.port) is in use"), "\(taken.standardError)")
        #expect(demoBeside.status == 1 && demoBeside.standardError.contains("127.0.0.1:\(busy.port) is in use"), "\(demoBeside.standardError)")
        let empty = try #require(try await run(["simulator", "--data", folder(), "--port", "0"]))
        #expect(empty.status == 2 && empty.standardError.contains("fiscal-connector demo --directory"), "\(empty.standardError)")
    }

    // MARK: - small things

    @Test func registerTCRWhileOfflineLeavesNothingPendingAndSaysTheOutcomeIsUnknown() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        await harness.simulator.setPersistentFailure(.down)
        let offline = await connector.registerTCR()
        #expect(offline.status == .rejected && offline.error?.code == .unanswered && offline.exitCode == 1, "\(offline)")
        #expect(offline.error?.message.contains("run register-tcr again") == true)
        #expect(try await connector.journal.entries(kind: "tcr").isEmpty, "nothing left pending that nothing would send")
        #expect(try await connector.status().pendingCount == 0)
        await harness.simulator.setPersistentFailure(nil)
        let registered = await connector.registerTCR()
        #expect(registered.status == .fiscalized && registered.fic?.count == 10, "\(registered)")
        let entries = try await connector.journal.entries(kind: "tcr")
        #expect(entries.count == 1 && entries.first?.state == .fiscalized)
    }

    @Test func journalListRefusesUnknownFilters() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let config = try harness.writeConfiguration()
        guard let state = try await run(["journal", "list", "--config", config, "--state", "bogus"], environment: harness.environment) else { return }
        #expect(state.status != 0)
        #expect(state.standardError.contains("bogus") && state.standardError.contains("fiscalized") && state.standardError.contains("rejected"), "\(state.standardError)")
        let kind = try #require(try await run(["journal", "list", "--config", config, "--kind", "invoices"], environment: harness.environment))
        #expect(kind.status != 0 && kind.standardError.contains("deposit"), "\(kind.standardError)")
        let day = try #require(try await run(["journal", "list", "--config", config, "--day", "yesterday"], environment: harness.environment))
        #expect(day.status != 0 && day.standardError.contains("YYYY-MM-DD"), "\(day.standardError)")
        let good = try #require(try await run(["journal", "list", "--config", config, "--state", "pending", "--kind", "invoice", "--day", "2026-11-21"], environment: harness.environment))
        #expect(good.status == 0, "\(good.output)")
    }

    @Test func anEmptyInputSaysSo() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let config = try harness.writeConfiguration()
        let file = harness.directory + "/empty.json"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("\n".utf8)))
        guard let empty = try await run(["fiscalize", "--config", config, "--input", file], environment: harness.environment) else { return }
        #expect(empty.status == 2)
        #expect(empty.standardError.contains("the input file \(file) is empty") && empty.standardError.contains("--input FILE"), "\(empty.standardError)")
        let stdin = try #require(try await run(["fiscalize", "--config", config], input: Data(), environment: harness.environment))
        #expect(stdin.status == 2 && stdin.standardError.contains("standard input is empty"), "\(stdin.standardError)")
    }

    @Test func aPendingDepositIsWordedAsADeposit() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        await harness.simulator.setPersistentFailure(.down)
        let deposit = await connector.deposit(amount: ExactDecimal("50.00")!, operation: .initial, reference: "D-1")
        #expect(deposit.status == .deferred)
        let warning = try #require(deposit.warnings.last)
        #expect(warning.contains("cash deposit") && warning.contains("FCDC"), "\(warning)")
        #expect(!warning.contains("IIC") && !warning.contains("FIC"), "\(warning)")
    }

    @Test func aLicenseProblemOnAnEnrolledDeviceSaysToRefresh() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let manual = #expect(throws: ConnectorError.self) { try harness.connector(harness.configuration(license: "")) }
        #expect(manual?.message.contains("[license] token") == true)
        #expect(FileManager.default.createFile(atPath: harness.directory + "/" + DeviceEnrolment.recordFile, contents: Data("{}".utf8)))
        let missing = #expect(throws: ConnectorError.self) { try harness.connector(harness.configuration(license: "")) }
        #expect(missing?.code == .license)
        #expect(missing?.message.contains("fiscal-connector refresh") == true && missing?.message.contains("[license] token") == false, "\(missing?.message ?? "")")
        let otherDevice = #expect(throws: ConnectorError.self) { try harness.connector(harness.configuration(license: harness.license(device: "zz999zz999"))) }
        #expect(otherDevice?.message.contains("fiscal-connector refresh") == true, "\(otherDevice?.message ?? "")")
    }

    @Test func serveChecksItsPortBeforeCreatingAnything() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        // The simulator holds a port: serve is told to listen there.
        let taken = harness.server.port
        let config = try harness.writeConfiguration(harness.configuration().replacingOccurrences(of: "listen = \"127.0.0.1:0\"", with: "listen = \"127.0.0.1:\(taken)\""))
        guard let serve = try await run(["serve", "--config", config], environment: harness.environment) else { return }
        #expect(serve.status == 2)
        #expect(serve.standardError.contains("127.0.0.1:\(taken) is in use: stop the other process or set [api] listen"), "\(serve.standardError)")
        #expect(!serve.standardError.contains("bind("))
        #expect(!FileManager.default.fileExists(atPath: harness.directory + "/journal.sqlite"), "nothing was created")
    }

    @Test func serveLogsRequestsAndFailedDeliveries() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let recorder = LogRecorder()
        let logger = Logger(label: "test") { _ in recorder }
        let connector = try harness.connector()
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = ConnectorServer.application(connector: connector, token: "test-token", host: "127.0.0.1", port: 0, logger: logger,
                                              deliveryInterval: .milliseconds(100)) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task { try await app.run() }
        defer { task.cancel() }
        var port = 0
        for await value in stream { port = value }
        let base = "http://127.0.0.1:\(port)/v1"
        let post = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "LOG-1"))
        #expect(post.status == 200)
        let line = try #require(recorder.events.first { $0.message == "Request." && $0.metadata["reference"] == "LOG-1" })
        #expect(line.level == .info)
        #expect(line.metadata["method"] == "POST" && line.metadata["path"] == "/v1/invoices" && line.metadata["status"] == "200")
        #expect(line.metadata["duration_ms"].flatMap(Double.init) != nil)
        _ = try await HTTPTestClient.send("GET", base + "/status", token: "wrong-token")
        #expect(recorder.events.contains { $0.message == "Request." && $0.metadata["path"] == "/v1/status" && $0.metadata["status"] == "401" })
        #expect(!recorder.events.contains { "\($0.metadata)".contains("test-token") || "\($0.metadata)".contains("wrong-token") }, "no secrets")

        // An invoice issued while the tax authority is down, redelivered in vain by the background deliverer.
        await harness.simulator.setPersistentFailure(.down)
        let deferred = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "LOG-2"))
        #expect(deferred.status == 202)
        #expect(recorder.events.contains { $0.level == .warning && $0.metadata["reference"] == "LOG-2" && $0.message.contains("issued offline") })
        let later = try harness.connector(clock: { Date().addingTimeInterval(120) })
        let service = DeliveryService(connector: later, logger: logger, interval: .milliseconds(50))
        let delivering = Task { try await service.run() }
        defer { delivering.cancel() }
        func redelivery(_ event: LogRecorder.Event) -> Bool {
            event.level == .warning && event.metadata["reference"] == "LOG-2" && event.message.contains("stays pending")
        }
        for _ in 0..<100 where !recorder.events.contains(where: redelivery) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let failed = try #require(recorder.events.first(where: redelivery))
        #expect(failed.metadata["reason"]?.contains("503") == true, "\(failed)")
    }
}

/// Keeps every log event, for tests of what is logged.
final class LogRecorder: LogHandler, Sendable {
    struct Event: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let stored = Mutex<[Event]>([])
    var events: [Event] { stored.withLock { $0 } }

    func log(event: LogEvent) {
        let metadata = (event.metadata ?? [:]).mapValues { "\($0)" }
        stored.withLock { $0.append(Event(level: event.level, message: "\(event.message)", metadata: metadata)) }
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }
}
