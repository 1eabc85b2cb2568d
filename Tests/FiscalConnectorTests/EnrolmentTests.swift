import EFISimulator
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import Logging
import ServiceLifecycle
import MontenegroFiscal
import Testing

/// `fiscal-connector enroll` and the refresh that keeps an enrolled connector fresh, against a
/// fake fiscal-admin and the simulated tax authority, both over real HTTP on 127.0.0.1.
@Suite struct EnrolmentTests {
    static let revisionOne = String(repeating: "1", count: 64)
    static let revisionTwo = String(repeating: "2", count: 64)

    /// A profile for the harness's test device.
    static func profile(_ harness: ConnectorHarness, revision: String = revisionOne, environment: String = "test", url: String? = nil,
                        environments: [String] = ["test"], licenseKeys: [String]? = nil, refreshSeconds: Int = 300) -> DeviceProfile {
        DeviceProfile(
            revision: revision, deviceID: "dev-1",
            taxpayer: .init(tin: "12345678", name: "Test DOO", address: "Ulica 1", town: "Podgorica", country: "MNE", inVAT: true),
            device: .init(businessUnit: "xx123xx123", tcrCode: "si747we972", softwareCode: "ss123ss123", maintainerCode: "mm123mm123",
                          operatorCode: "oo123oo123", internalID: "1"),
            environment: environment, taxAuthorityURL: url ?? harness.server.url, licenseToken: harness.license(environments: environments),
            licenseKeys: licenseKeys ?? [harness.licenseKey.publicKey.pem], certificate: nil, refreshSeconds: refreshSeconds
        )
    }

    static func folder() -> String { NSTemporaryDirectory() + "fiscal-enrolment-" + UUID().uuidString }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    @Test func enrollWritesTheFilesAndTheConnectorFiscalizes() async throws {
        let harness = try await ConnectorHarness.start()
        // Two license authority keys, the license signed by the second: one file carries both.
        let other = Ed25519.PrivateKey.generate().publicKey.pem
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness, licenseKeys: [other, harness.licenseKey.publicKey.pem]))
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let summary = try await DeviceEnrolment.enroll(adminURL: admin.url + "/", token: "fdt_valid-token-123", directory: directory)
        #expect(summary.environment == "test")
        #expect(summary.missing.isEmpty, "\(summary.missing)")
        #expect(summary.licenseExpires == FiscalDate(year: 2099, month: 12, day: 31))
        #expect(summary.certificateExpires == TestMaterial.taxpayer.certificate.notAfter)
        #expect(summary.description.contains("environment  test"))

        for file in ["device.key", "certificate.p12", "certificate.password", "enrolment.json"] {
            #expect(Self.mode(directory + "/" + file) == 0o600, "\(file)")
        }
        let key = try DeviceEnvelope.PrivateKey(rawBase64: try TestMaterial.text(directory + "/device.key"))
        #expect(admin.with { $0.publicKey } == key.publicKey.base64)
        #expect(try TestMaterial.text(directory + "/certificate.password") == TestMaterial.password)
        #expect(try TestMaterial.bytes(directory + "/certificate.p12") == (try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))))
        let keys = try TestMaterial.text(directory + "/license-authority.pub")
        #expect(keys.components(separatedBy: "BEGIN PUBLIC KEY").count == 3)
        let record = try DeviceEnrolment(directory: directory).record()
        #expect(record.adminURL == admin.url && record.token == "fdt_valid-token-123" && record.revision == Self.revisionOne)
        #expect(!record.description.contains("fdt_"), "the token never shows in a description")

        let configuration = try ConnectorConfiguration.load(path: directory + "/connector.toml")
        #expect(configuration.certificate.passwordFile == directory + "/certificate.password")
        let connector = try Connector(configuration: configuration, environment: [:])
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "E-1"))
        #expect(result.status == .fiscalized, "\(result)")
        #expect(connector.configuration.taxAuthority.environment == .test)

        // Enrolling again keeps the device's key.
        _ = try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_valid-token-123", directory: directory)
        #expect(try TestMaterial.text(directory + "/device.key") == key.rawBase64)
        await admin.stop()
        await harness.stop()
    }

    @Test func refusalsWriteNothingAndSayWhatToDo() async throws {
        let harness = try await ConnectorHarness.start()
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness))
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let wrong = await #expect(throws: EnrolmentError.self) {
            try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_wrong-token-456", directory: directory)
        }
        #expect(wrong?.code == .unauthorized && wrong?.isRefusal == true && wrong?.status == 401)
        #expect(wrong?.message.contains("create a new enrolment token on the device's page") == true, "\(wrong?.message ?? "")")
        #expect(wrong?.message.contains("fdt_wrong") == false, "the token is never quoted")
        #expect(!FileManager.default.fileExists(atPath: directory), "nothing written")

        let notAToken = await #expect(throws: EnrolmentError.self) {
            try await DeviceEnrolment.enroll(adminURL: admin.url, token: "hello", directory: directory)
        }
        #expect(notAToken?.code == .invalidInput && notAToken?.message.contains("fdt_") == true)
        let plain = await #expect(throws: EnrolmentError.self) {
            try await DeviceEnrolment.enroll(adminURL: "http://admin.example.com", token: "fdt_valid-token-123", directory: directory)
        }
        #expect(plain?.code == .invalidInput && plain?.message.contains("https://") == true)

        await admin.stop()
        let unreachable = await #expect(throws: EnrolmentError.self) {
            try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_valid-token-123", directory: directory, timeoutSeconds: 2)
        }
        #expect(unreachable?.code == .unreachable && unreachable?.isRefusal == false)
        #expect(!FileManager.default.fileExists(atPath: directory))
        await harness.stop()
    }

    @Test func withoutACertificateTheConfigurationIsWrittenAndTheConnectorSaysWhy() async throws {
        let harness = try await ConnectorHarness.start()
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness))
        admin.with { $0.withCertificate = false }
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let summary = try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_valid-token-123", directory: directory)
        #expect(summary.certificateExpires == nil)
        #expect(summary.missing.contains { $0.hasPrefix("no certificate yet") && $0.contains("next refresh") }, "\(summary.missing)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/certificate.p12"))
        let configuration = try ConnectorConfiguration.load(path: directory + "/connector.toml")
        let error = #expect(throws: ConnectorError.self) { try Connector(configuration: configuration, environment: [:]) }
        #expect(error?.code == .certificate)
        #expect(error?.message.contains("\(directory)/certificate.p12 does not exist") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("fiscal-connector refresh") == true)

        // The certificate arrives with the next revision.
        admin.with {
            $0.withCertificate = true
            $0.profile.revision = Self.revisionTwo
        }
        let refresh = await DeviceEnrolment(directory: directory).refreshProfile()
        guard case .applied(let applied) = refresh else { Issue.record("expected a new profile, got \(refresh)"); return }
        #expect(applied.missing.isEmpty)
        #expect(throws: Never.self) { try Connector(configuration: ConnectorConfiguration.load(path: directory + "/connector.toml"), environment: [:]) }
        await admin.stop()
        await harness.stop()
    }

    @Test func outagesAndRefusalsKeepTheCachedFiles() async throws {
        let harness = try await ConnectorHarness.start()
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness))
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_valid-token-123", directory: directory)
        let enrolment = DeviceEnrolment(directory: directory)
        let files = ["connector.toml", "certificate.p12", "certificate.password", "license-authority.pub", "device.key"]
        func contents() throws -> [[UInt8]] { try files.map { try TestMaterial.bytes(directory + "/" + $0) } }
        let before = try contents()
        let fetched = try enrolment.record().fetchedAt
        // A new revision the connector must not get while the server fails or refuses.
        admin.with { $0.profile.revision = Self.revisionTwo; $0.profile.environment = "production" }

        admin.with { $0.failure = 503 }
        let failing = await enrolment.refreshProfile()
        guard case .cached(let since, let error) = failing else { Issue.record("expected the cache, got \(failing)"); return }
        #expect(error.code == .unavailable && since == fetched)
        #expect(failing.warning?.hasPrefix("using cached profile from \(ISOTime.string(fetched))") == true, "\(failing.warning ?? "")")

        admin.with { $0.failure = nil; $0.token = "fdt_replaced-token-789" }
        let refused = await enrolment.refreshProfile()
        guard case .refused(_, let refusal) = refused else { Issue.record("expected a refusal, got \(refused)"); return }
        #expect(refusal.code == .unauthorized)
        #expect(refused.warning?.contains("using cached profile from") == true)

        await admin.stop()
        let down = await enrolment.refreshProfile(timeoutSeconds: 2)
        guard case .cached(_, let unreachable) = down else { Issue.record("expected the cache, got \(down)"); return }
        #expect(unreachable.code == .unreachable)
        #expect(down.warning?.contains("using cached profile from") == true)

        #expect(try contents() == before, "no file changed")
        #expect(try enrolment.record().revision == Self.revisionOne)
        #expect(try enrolment.record().fetchedAt == fetched)
        #expect(Self.mode(directory + "/certificate.p12") == 0o600)
        #expect(throws: Never.self) { try Connector(configuration: ConnectorConfiguration.load(path: directory + "/connector.toml"), environment: [:]) }
        // Tried just now: the next command does not wait for the server again.
        #expect(await enrolment.refreshIfDue(timeoutSeconds: 2) == nil)
        await harness.stop()
    }

    @Test func aRunningServerSwitchesToTheNewProfileForTheNextInvoice() async throws {
        let harness = try await ConnectorHarness.start()
        let production = try await SimulatorServer.start(TaxAuthoritySimulator(identity: TestMaterial.taxAuthority, trusted: [TestMaterial.rootCA]))
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness, refreshSeconds: 1))
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_valid-token-123", directory: directory)
        let enrolment = DeviceEnrolment(directory: directory)

        // `serve`, as main composes it: the API and the deliverer read the holder, the refresher swaps it.
        let connectors = ConnectorHolder(try Connector(configuration: ConnectorConfiguration.load(path: enrolment.configurationPath), environment: [:], longRunning: true))
        let refresher = ProfileRefreshService(enrolment: enrolment, connectors: connectors, environment: [:], logger: Self.quietLogger, timeoutSeconds: 2)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = ConnectorServer.application(connectors: connectors, token: "test-token", host: "127.0.0.1", port: 0, logger: Self.quietLogger,
                                              deliveryInterval: .milliseconds(200), services: [refresher]) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task { try await app.run() }
        var port = 0
        for await value in stream { port = value }
        let base = "http://127.0.0.1:\(port)/v1"

        let first = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "S-1"))
        #expect(first.status == 200, "\(String(decoding: first.body, as: UTF8.self))")
        // An invoice issued offline in test, still pending when the environment changes.
        await harness.simulator.setPersistentFailure(.down)
        let offline = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "S-2"))
        #expect(offline.status == 202)

        admin.with {
            $0.profile = Self.profile(harness, revision: Self.revisionTwo, environment: "production", url: production.url,
                                      environments: ["test", "production"], refreshSeconds: 1)
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while connectors.current.configuration.taxAuthority.environment != .production, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(connectors.current.configuration.taxAuthority.environment == .production)
        #expect(connectors.current.configuration.taxAuthority.url == production.url)
        #expect(connectors.current.journal.path == connectors.deliverers.last?.journal.path, "one journal")

        let second = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "S-3"))
        let received = await production.simulator.received
        #expect(second.status == 200, "\(String(decoding: second.body, as: UTF8.self)) \(received)")
        #expect(await production.simulator.invoices.count == 1, "the next invoice went to the production endpoint")
        let entry = try await connectors.current.journal.entry(reference: "S-3")
        #expect(entry?.document.environment == "production" && entry?.document.ordinal == 1)

        // The test invoice issued offline is still delivered to the test endpoint.
        await harness.simulator.setPersistentFailure(nil)
        while try await connectors.current.journal.entry(reference: "S-2")?.state != .fiscalized, ContinuousClock.now < deadline + .seconds(20) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await connectors.current.journal.entry(reference: "S-2")?.state == .fiscalized)
        #expect(await harness.simulator.invoices.count == 2)

        // The heartbeat reports the switch and the counts.
        while admin.heartbeats.last?.productionInvoices != 1 || admin.heartbeats.last?.testInvoices != 2, ContinuousClock.now < deadline + .seconds(25) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let report = try #require(admin.heartbeats.last)
        #expect(report.environment == "production" && report.productionInvoices == 1 && report.testInvoices == 2 && report.pending == 0)

        task.cancel()
        _ = try? await task.value
        await admin.stop()
        await production.stop()
        await harness.stop()
    }

    @Test func aProfileThatFailsItsChecksKeepsTheRunningConnector() async throws {
        let harness = try await ConnectorHarness.start()
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness))
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_valid-token-123", directory: directory)
        let enrolment = DeviceEnrolment(directory: directory)
        let connectors = ConnectorHolder(try Connector(configuration: ConnectorConfiguration.load(path: enrolment.configurationPath), environment: [:]))
        let refresher = ProfileRefreshService(enrolment: enrolment, connectors: connectors, environment: [:], logger: Self.quietLogger, timeoutSeconds: 2)
        let before = connectors.current
        // Production, but the license covers test only: the connector refuses to start with it.
        admin.with { $0.profile = Self.profile(harness, revision: Self.revisionTwo, environment: "production") }
        let outcome = await refresher.refreshNow()
        guard case .applied(let summary) = outcome else { Issue.record("expected the profile to be written, got \(outcome)"); return }
        #expect(summary.missing.contains { $0.contains("license") }, "\(summary.missing)")
        #expect(connectors.current === before, "the previous connector stays")
        let result = await connectors.current.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "K-1"))
        #expect(result.status == .fiscalized && connectors.current.configuration.taxAuthority.environment == .test)

        // Fixed in the admin server: the next round switches.
        admin.with { $0.profile = Self.profile(harness, revision: Self.revisionOne + "3", environment: "production", environments: ["production"]) }
        _ = await refresher.refreshNow()
        #expect(connectors.current !== before)
        #expect(connectors.current.configuration.taxAuthority.environment == .production)
        await admin.stop()
        await harness.stop()
    }

    @Test func heartbeatCarriesTheJournalsFigures() async throws {
        let harness = try await ConnectorHarness.start()
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness))
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_valid-token-123", directory: directory)
        let enrolment = DeviceEnrolment(directory: directory)
        let connectors = ConnectorHolder(try Connector(configuration: ConnectorConfiguration.load(path: enrolment.configurationPath), environment: [:]))
        let connector = connectors.current
        let one = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "H-1"))
        let two = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "H-2", cash: false))
        await harness.simulator.setPersistentFailure(.down)
        let three = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "H-3"))
        #expect(one.status == .fiscalized && two.status == .fiscalized && three.status == .deferred)

        let refresher = ProfileRefreshService(enrolment: enrolment, connectors: connectors, environment: [:], logger: Self.quietLogger, timeoutSeconds: 2)
        #expect(await refresher.refreshNow() == .unchanged(revision: Self.revisionOne))
        let report = try #require(admin.heartbeats.last)
        #expect(report.version == Connector.version)
        #expect(report.environment == "test")
        #expect(report.testInvoices == 2 && report.productionInvoices == 0)
        #expect(report.pending == 1)
        #expect(report.oldestDeadline.map(ISOTime.string) == three.deliverBy)
        #expect(report.lastFIC == two.fic)
        #expect(report.lastFiscalizedAt != nil)
        #expect(report.certificateExpiry == TestMaterial.taxpayer.certificate.notAfter)
        await admin.stop()
        await harness.stop()
    }

    @Test func localSettingsSurviveANewProfile() async throws {
        let harness = try await ConnectorHarness.start()
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness))
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await DeviceEnrolment.enroll(adminURL: admin.url, token: "fdt_valid-token-123", directory: directory)
        let path = directory + "/connector.toml"
        try (try String(contentsOfFile: path, encoding: .utf8) + "\n[journal]\npath = \"data/journal.sqlite\"\n\n[api]\nlisten = \"127.0.0.1:9999\"\n\n[vat]\nrates = [\"21\", \"20\", \"7\", \"0\"]\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        admin.with { $0.profile.revision = Self.revisionTwo; $0.profile.taxpayer.name = "Test DOO Renamed" }
        let outcome = await DeviceEnrolment(directory: directory).refreshProfile()
        guard case .applied = outcome else { Issue.record("expected a new profile, got \(outcome)"); return }
        let configuration = try ConnectorConfiguration.load(path: path)
        #expect(configuration.taxpayer.name == "Test DOO Renamed")
        #expect(configuration.journalPath == directory + "/data/journal.sqlite")
        #expect(configuration.api.port == 9999)
        #expect(configuration.vatRates.rates(on: FiscalDate(Date())) == [21, 20, 7, 0])
        await admin.stop()
        await harness.stop()
    }

    @Test func commandLineEnrolsRefreshesAndFallsBackToTheCache() async throws {
        guard let executable = ExternalTools.built("fiscal-connector") else {
            #expect(!ExternalTools.required, "fiscal-connector was not built")
            return
        }
        func run(_ arguments: [String], input: Data? = nil) async throws -> ExternalTools.Run {
            try await ExternalTools.run(executable: executable, arguments, input: input, environment: [:])
        }
        let harness = try await ConnectorHarness.start()
        let admin = try await FakeAdminServer.start(profile: Self.profile(harness, refreshSeconds: 60))
        let directory = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let wrong = try await run(["enroll", "--admin", admin.url, "--token", "fdt_wrong-token-456", "--dir", directory])
        #expect(wrong.status == 2)
        #expect(wrong.standardError.contains("create a new enrolment token on the device's page"), "\(wrong.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory))

        let enrolled = try await run(["enroll", "--admin", admin.url, "--token", "fdt_valid-token-123", "--dir", directory])
        #expect(enrolled.status == 0, "\(enrolled.standardError)")
        #expect(enrolled.standardOutput.contains("environment  test") && enrolled.standardOutput.contains("certificate  until"))
        #expect(!enrolled.standardOutput.contains("fdt_") && !enrolled.standardOutput.contains(TestMaterial.password))

        let config = directory + "/connector.toml"
        let fiscalized = try await run(["fiscalize", "--config", config], input: ConnectorHarness.invoiceJSON(reference: "CLI-E1"))
        #expect(fiscalized.status == 0, "\(fiscalized.standardOutput) \(fiscalized.standardError)")
        #expect(!fiscalized.standardError.contains("warning"), "not due: no refresh")

        let refresh = try await run(["refresh", "--dir", directory])
        #expect(refresh.status == 0 && refresh.standardOutput.contains("is current"), "\(refresh.standardOutput) \(refresh.standardError)")
        #expect(admin.heartbeats.last?.testInvoices == 1)

        // Due for a refresh while the admin server is down: a warning, and the command works from the cache.
        var record = try DeviceEnrolment(directory: directory).record()
        record.fetchedAt = Date().addingTimeInterval(-3600)
        record.attemptedAt = nil
        try FiscalJSON.encoder().encode(record).write(to: URL(fileURLWithPath: directory + "/enrolment.json"))
        await admin.stop()
        let status = try await run(["status", "--config", config])
        #expect(status.status == 0, "\(status.standardError)")
        #expect(status.standardError.contains("warning: using cached profile from"), "\(status.standardError)")
        let down = try await run(["refresh", "--dir", directory])
        #expect(down.status == 1 && down.standardError.contains("using cached profile from"))
        await harness.stop()
    }

    @Test func journalCountsFiscalizedInvoicesPerEnvironment() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let test = try harness.connector()
        _ = await test.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "J-1"))
        _ = await test.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "J-2"))
        await harness.simulator.setPersistentFailure(.down)
        _ = await test.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "J-3"))
        await harness.simulator.setPersistentFailure(nil)
        // The same journal in production (the simulator answers both).
        let productionText = harness.configuration(license: harness.license(environments: ["production"]))
            .replacingOccurrences(of: "environment = \"test\"", with: "environment = \"production\"")
        let production = try Connector(configuration: ConnectorConfiguration.parse(productionText, baseDirectory: harness.directory), environment: harness.environment)
        let last = await production.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "J-4", cash: false))
        #expect(last.status == .fiscalized)

        var activity = try await test.journal.activity()
        #expect(activity.fiscalizedInvoices == ["test": 2, "production": 1], "deposits and the pending invoice are not counted")
        #expect(activity.pending == 1 && activity.oldestDeadline != nil)
        #expect(activity.lastFIC == last.fic)
        _ = try await test.deliverPending(force: true)
        activity = try await test.journal.activity()
        #expect(activity.fiscalizedInvoices == ["test": 3, "production": 1])
        #expect(activity.pending == 0 && activity.oldestDeadline == nil)
    }
}

/// `[certificate] password_file` and plain HTTP in production.
@Suite struct EnrolmentConfigurationTests {
    static let base = ConfigurationTests.minimal

    @Test func passwordFileIsReadWithoutItsTrailingNewline() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        try "\(TestMaterial.password)\r\n".write(toFile: harness.directory + "/secret.txt", atomically: true, encoding: .utf8)
        let text = harness.configuration().replacingOccurrences(of: "password_env = \"FISCAL_CERT_PASSWORD\"", with: "password_file = \"secret.txt\"")
        let configuration = try ConnectorConfiguration.parse(text, baseDirectory: harness.directory)
        #expect(configuration.certificate.passwordFile == harness.directory + "/secret.txt")
        #expect(try configuration.certificate.password(environment: ["FISCAL_CERT_PASSWORD": "ignored"]) == TestMaterial.password)
        let connector = try Connector(configuration: configuration, environment: [:])
        #expect(await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "P-1")).status == .fiscalized)

        let missing = try ConnectorConfiguration.parse(text.replacingOccurrences(of: "secret.txt", with: "nope.txt"), baseDirectory: harness.directory)
        let unreadable = #expect(throws: ConfigurationError.self) { try missing.certificate.password(environment: [:]) }
        #expect(unreadable?.key == "certificate.password_file")
        #expect(unreadable?.message.contains("\(harness.directory)/nope.txt does not exist") == true)
        let refused = #expect(throws: ConnectorError.self) { try Connector(configuration: missing, environment: [:]) }
        #expect(refused?.code == .configuration && refused?.message.contains("certificate.password_file") == true)

        let both = #expect(throws: ConfigurationError.self) {
            try ConnectorConfiguration.parse(Self.base.replacingOccurrences(of: "file = \"seal.p12\"", with: "file = \"seal.p12\"\npassword_env = \"X\"\npassword_file = \"p\""), baseDirectory: "/")
        }
        #expect(both?.key == "certificate.password_file")
    }

    @Test(arguments: ["http://127.0.0.1:8443/fs-v1", "http://127.8.9.10/fs-v1", "http://[::1]:8443/fs-v1", "http://localhost:8443/fs-v1",
                      "http://LOCALHOST/fs-v1", "https://efi.example.com/fs-v1"])
    func productionAcceptsPlainHTTPToThisMachine(_ url: String) throws {
        let text = Self.base.replacingOccurrences(of: "environment = \"test\"", with: "environment = \"production\"\nurl = \"\(url)\"")
        #expect(try ConnectorConfiguration.parse(text, baseDirectory: "/").taxAuthority.url == url)
    }

    @Test(arguments: ["http://efi.example.com/fs-v1", "http://10.0.0.1/fs-v1", "http://127.0.0.1.example.com/fs-v1", "http://localhost.example.com/fs-v1",
                      "http://[::2]/fs-v1", "http://127.1/fs-v1", "http://128.0.0.1/fs-v1"])
    func productionRefusesPlainHTTPToOtherMachines(_ url: String) throws {
        let text = Self.base.replacingOccurrences(of: "environment = \"test\"", with: "environment = \"production\"\nurl = \"\(url)\"")
        let error = #expect(throws: ConfigurationError.self) { try ConnectorConfiguration.parse(text, baseDirectory: "/") }
        #expect(error?.key == "tax_authority.url")
        #expect(error?.message.contains("only to this machine") == true, "\(error?.message ?? "")")
        // The test environment may use any endpoint.
        #expect(throws: Never.self) { try ConnectorConfiguration.parse(text.replacingOccurrences(of: "\"production\"", with: "\"test\""), baseDirectory: "/") }
    }
}
