import EFISimulator
import FiscalQueue
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import MontenegroFiscal
import Testing

/// The cases a review of the runtime found, each pinned by a test.
@Suite struct ReviewFixTests {
    @Test func aCashSaleOfYesterdayGetsYesterdaysDepositAndIsFiscalized() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let yesterday = FiscalTimestamp(Date().addingTimeInterval(-86_400))
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "LATE-1", issuedAt: yesterday.text))
        #expect(result.status == .fiscalized, "\(result)")
        let deposit = try #require(try await connector.journal.entries(kind: "deposit").first)
        #expect(deposit.document.businessDay == FiscalDate(yesterday.date).description)
        #expect(deposit.document.requestXML.contains("SubseqDelivType=\"TECHNICALERROR\""))
        // The 48-hour deadline runs from the issue time, not from when the connector saw it.
        let invoice = try #require(try await connector.journal.entry(reference: "LATE-1"))
        #expect(ISOTime.date(invoice.document.deadline)! < Date().addingTimeInterval(25 * 3600))
    }

    @Test func exitCodesSeparateRefusalsFromUnknownOutcomes() {
        let broken = FiscalizationResult(status: .rejected, error: .init(code: .internal, message: "x"))
        let busy = FiscalizationResult(status: .rejected, error: .init(code: .inProgress, message: "x"))
        let refused = FiscalizationResult(status: .rejected, error: .init(code: .invalidInput, message: "x"))
        #expect(broken.exitCode == 1 && busy.exitCode == 1 && refused.exitCode == 2)
        #expect("\(LocalAPI.status(for: busy))".contains("503"))
    }

    @Test func refusedInvoicesCarryNoQRCode() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        await harness.simulator.inject(.fault(code: 44))
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "REF-1", cash: false))
        #expect(result.status == .rejected && result.qrURL == nil)
    }

    @Test func certificateExpiryWhileRunningStopsIssuing() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let clock = TestClock(Date())
        let connector = try harness.connector(clock: { clock.now })
        clock.advance(by: TestMaterial.taxpayer.certificate.notAfter.timeIntervalSinceNow + 3600)
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "EXP-1", cash: false))
        #expect(result.status == .rejected && result.error?.code == .certificate)
        #expect(try await connector.journal.entries().isEmpty, "nothing journaled")
    }

    @Test func aReplayAfterTheCertificateExpiredReturnsTheIssuedInvoice() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let clock = TestClock(Date())
        let connector = try harness.connector(clock: { clock.now })
        let json = ConnectorHarness.invoiceJSON(reference: "REPLAY-1", cash: false)
        let first = await connector.fiscalize(json: json)
        #expect(first.status == .fiscalized)
        clock.advance(by: TestMaterial.taxpayer.certificate.notAfter.timeIntervalSinceNow + 3600)
        let again = await connector.fiscalize(json: json)
        #expect(again.status == .fiscalized && again.fic == first.fic && again.iic == first.iic, "not 'rejected': it was issued")
        let fresh = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "REPLAY-2", cash: false))
        #expect(fresh.status == .rejected && fresh.error?.code == .certificate)
    }

    @Test func aDepositReferenceReusedForAnotherAmountIsAConflictNotAnUnknownOutcome() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let first = await connector.deposit(amount: ExactDecimal("50.00")!, operation: .initial, reference: "DEP-1")
        #expect(first.status == .fiscalized)
        let replay = await connector.deposit(amount: ExactDecimal("50.00")!, operation: .initial, reference: "DEP-1")
        #expect(replay.status == .fiscalized && replay.fic == first.fic)
        let conflict = await connector.deposit(amount: ExactDecimal("60.00")!, operation: .initial, reference: "DEP-1")
        #expect(conflict.status == .rejected && conflict.error?.code == .referenceConflict)
        #expect(conflict.exitCode == 2)
    }

    @Test func theDelivererLeavesAFreshDocumentToTheProcessSendingIt() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        // Two connectors on one journal, as `fiscalize` beside `serve`: the first one's send is slow.
        let issuing = try harness.connector()
        let background = try harness.connector()
        await harness.simulator.inject(.slow(seconds: 4))
        async let first = issuing.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "RACE-1", cash: false))
        // Wait until it is journaled (and so on its way), however loaded the machine is.
        let journaledInTime = ContinuousClock.now.advanced(by: .seconds(10))
        while try await background.journal.entry(reference: "RACE-1") == nil, ContinuousClock.now < journaledInTime {
            try await Task.sleep(for: .milliseconds(10))
        }
        let report = try await background.deliverPending()
        #expect(report.waiting.contains("RACE-1"))
        #expect(await first.status == .fiscalized)
        #expect(await harness.simulator.invoices.first?.lastSubsequentDelivery == nil, "the first message went out without SubseqDelivType")
    }

    @Test func configurationRefusesRemoteListenNaNAndPlainProductionHTTP() {
        let base = ConfigurationTests.minimal
        let remote = #expect(throws: ConfigurationError.self) { try ConnectorConfiguration.parse(base + "\n[api]\nlisten = \"0.0.0.0:8745\"", baseDirectory: "/") }
        #expect(remote?.key == "api.listen")
        #expect((try? ConnectorConfiguration.parse(base + "\n[api]\nlisten = \"0.0.0.0:8745\"\nallow_remote = true", baseDirectory: "/")) != nil)
        let nan = #expect(throws: ConfigurationError.self) {
            try ConnectorConfiguration.parse(base.replacingOccurrences(of: "environment = \"test\"", with: "environment = \"test\"\ntimeout_seconds = nan"), baseDirectory: "/")
        }
        #expect(nan?.key == "tax_authority.timeout_seconds")
        let plain = #expect(throws: ConfigurationError.self) {
            try ConnectorConfiguration.parse(base.replacingOccurrences(of: "environment = \"test\"", with: "environment = \"production\"\nurl = \"http://efi.example/fs-v1\""), baseDirectory: "/")
        }
        #expect(plain?.key == "tax_authority.url")
    }

    @Test func csvWithWindowsLineEndingsAndSemicolons() throws {
        let csv = "reference;invoice_type;note;item_name;item_quantity;item_unit_price;item_vat_rate;payment_type;payment_amount\r\n"
            + "R-1;CASH;a, b, c, d, e, f, g, h, i;Espresso;2;1.50;21;BANKNOTE;3.00\r\n"
        let request = try InvoiceInput.parse(Data(csv.utf8), format: .csv)
        #expect(request.note == "a, b, c, d, e, f, g, h, i")
        #expect(request.items?.count == 1)
    }

    @Test func simulatorAnswersAnExpiredSealWithFault36() async throws {
        let simulator = TaxAuthoritySimulator(identity: TestMaterial.taxAuthority, trusted: [TestMaterial.rootCA])
        let expired = try SigningIdentity(contentsOf: TestMaterial.certificate("expired.p12"), password: TestMaterial.password)
        let signed = try MessageSigner(identity: expired).sign(SampleInvoices.cash(), header: MessageHeader(sentAt: FiscalTimestamp(Date())))
        let answer = await simulator.handle(Array(signed.message.soapEnvelope.utf8))
        #expect(answer.status == 500)
        #expect(answer.body.contains("<code>36</code>"), "\(answer.body)")
        #expect(await simulator.invoices.isEmpty)
    }

    @Test func simulatorThatCannotListenSaysSo() async throws {
        let simulator = TaxAuthoritySimulator(identity: TestMaterial.taxAuthority, trusted: [TestMaterial.rootCA])
        let first = try await SimulatorServer.start(simulator)
        defer { Task { await first.stop() } }
        do {
            let second = try await SimulatorServer.start(simulator, port: first.port)
            await second.stop()
            Issue.record("a second server started on a taken port")
        } catch {
            #expect(error is SimulatorError)
        }
    }
}
