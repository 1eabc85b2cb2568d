import EFISimulator
import FiscalQueue
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import GRDB
import MontenegroFiscal
import Testing

/// End to end against the simulated tax authority over real HTTP on 127.0.0.1.
@Suite struct ConnectorTests {
    @Test func fiscalizesACashInvoiceAfterTheDaysInitialDeposit() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "R-1"))
        #expect(result.status == .fiscalized, "\(result)")
        #expect(result.exitCode == 0)
        #expect(result.fic?.count == 36)
        #expect(result.iic?.count == 32 && result.iicSignature?.count == 512)
        #expect(result.ordinal == 1)
        #expect(result.invoiceNumber?.hasPrefix("xx123xx123/1/") == true)
        #expect(result.qrURL?.contains("iic=\(result.iic!)") == true)
        #expect(result.warnings.contains { $0.contains("INITIAL cash deposit") })
        let received = await harness.simulator.received.map(\.kind)
        #expect(received == [.registerCashDeposit, .registerInvoice])
        let registered = await harness.simulator.invoice(iic: result.iic!)
        #expect(registered?.fic == result.fic)
        // A second cash invoice the same day needs no new deposit.
        let second = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "R-2"))
        #expect(second.status == .fiscalized && second.ordinal == 2)
        #expect(!second.warnings.contains { $0.contains("INITIAL") })
    }

    @Test func sameReferenceIsIdempotentAndDifferentContentIsRefused() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let first = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "R-7"))
        let countAfterFirst = await harness.simulator.received.count
        for _ in 0..<3 {
            let again = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "R-7"))
            #expect(again == first)
        }
        #expect(await harness.simulator.received.count == countAfterFirst)
        let conflict = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "R-7", amount: "4.00"))
        #expect(conflict.status == .rejected)
        #expect(conflict.error?.code == .referenceConflict)
        #expect(conflict.error?.field == "reference")
        #expect(try await connector.journal.entries(kind: "invoice").count == 1)
    }

    @Test func concurrentInvoicesGetConsecutiveOrdinals() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let results = await withTaskGroup(of: FiscalizationResult.self) { group in
            for index in 0..<20 {
                group.addTask { await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "C-\(index)")) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.status == .fiscalized })
        #expect(results.compactMap(\.ordinal).sorted() == Array(1...20))
        #expect(Set(results.compactMap(\.iic)).count == 20)
        let deposits = try await connector.journal.entries(kind: "deposit")
        #expect(deposits.count == 1, "one INITIAL deposit for the day, not one per concurrent invoice")
    }

    @Test func outageIssuesOfflineAndDeliversLaterWithTheSameIIC() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        _ = await connector.deposit(amount: .zero, operation: .initial)
        await harness.simulator.setPersistentFailure(.down)
        let deferred = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "OFF-1"))
        #expect(deferred.status == .deferred, "\(deferred)")
        #expect(deferred.exitCode == 3)
        #expect(deferred.fic == nil)
        #expect(deferred.iic?.count == 32 && deferred.qrURL != nil)
        #expect(deferred.deliverBy != nil)
        #expect(try await connector.status().pendingCount == 1)

        // Still down: the document stays pending and waits its backoff.
        _ = try await connector.deliverPending(force: true)
        #expect(try await connector.status().pendingCount == 1)

        await harness.simulator.setPersistentFailure(nil)
        let report = try await connector.deliverPending(force: true)
        #expect(report.fiscalized == ["OFF-1"])
        let stored = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "OFF-1"))
        #expect(stored.status == .fiscalized)
        #expect(stored.iic == deferred.iic && stored.ordinal == deferred.ordinal)
        let registered = await harness.simulator.invoice(iic: deferred.iic!)
        #expect(registered?.lastSubsequentDelivery == .service)
        #expect(try await connector.status().pendingCount == 0)
    }

    @Test func lostAnswerAfterRegistrationCreatesNoSecondInvoice() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector(harness.configuration(timeout: 1))
        await harness.simulator.inject(.dropAfterRegistering(seconds: 3))
        let deferred = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "LOST-1", cash: false))
        #expect(deferred.status == .deferred)
        // The connector gave up after 1 s; on a loaded machine the simulator may register the
        // request a little later. Wait for it, so the redelivery below meets a registered invoice.
        let registeredInTime = ContinuousClock.now.advanced(by: .seconds(10))
        while await harness.simulator.invoices.isEmpty, ContinuousClock.now < registeredInTime {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await harness.simulator.invoices.count == 1, "registered although the answer was lost")
        // One redelivery is enough; on a loaded machine its one-second timeout may expire too, and
        // then the next one meets the same registered invoice.
        var reports: [Connector.DeliveryReport] = []
        let deliveredInTime = ContinuousClock.now.advanced(by: .seconds(20))
        while reports.last?.fiscalized != ["LOST-1"], ContinuousClock.now < deliveredInTime {
            reports.append(try await connector.deliverPending(force: true))
        }
        let attempts = try await connector.journal.entry(reference: "LOST-1")?.attempts.map { "\($0.outcome) \($0.failure ?? "") \($0.detail ?? "")" }
        #expect(reports.last?.fiscalized == ["LOST-1"], "\(reports) \(attempts ?? [])")
        let invoices = await harness.simulator.invoices
        #expect(invoices.count == 1)
        #expect((invoices.first?.deliveries ?? 0) >= 2)
        let final = try #require(try await connector.journal.entry(reference: "LOST-1"))
        #expect(final.success?.code == invoices.first?.fic)
    }

    @Test func slowServiceTimesOutIntoDeferred() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector(harness.configuration(timeout: 1))
        await harness.simulator.inject(.slow(seconds: 3))
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "SLOW-1", cash: false))
        #expect(result.status == .deferred)
        #expect(try await connector.journal.entry(reference: "SLOW-1")?.lastAttempt?.failureCode == .timeout)
    }

    @Test func unreachableServiceIsDeferred() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        // A port nothing listens on.
        let connector = try harness.connector(harness.configuration(url: "http://127.0.0.1:9/fs-v1", extra: "[cash]\nauto_initial_deposit = true"))
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "NET-1", cash: false))
        #expect(result.status == .deferred)
        #expect(try await connector.journal.entry(reference: "NET-1")?.lastAttempt?.failureCode == .connection)
    }

    @Test func blockingFaultIsRejectedWithTheAuthoritysCode() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        _ = await connector.deposit(amount: .zero, operation: .initial)
        await harness.simulator.inject(.fault(code: 44))
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "B-1"))
        #expect(result.status == .rejected)
        #expect(result.exitCode == 2)
        #expect(result.error?.authorityCode == 44)
        #expect(result.error?.code == .authorityRejected)
        #expect(result.fic == nil)
        #expect(try await connector.status().pendingCount == 0, "a rejected invoice is not redelivered")
        let retryable = await { () async -> FiscalizationResult in
            await harness.simulator.inject(.fault(code: 999))
            return await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "B-2"))
        }()
        #expect(retryable.status == .deferred)
    }

    @Test func invalidInputIssuesNothing() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "BAD-1", amount: "3.00", extra: ", \"kind\": \"RECEIPT\""))
        #expect(result.status == .rejected)
        #expect(result.error?.code == .invalidInput)
        #expect(result.error?.field == "kind")
        let mismatch = await connector.fiscalize(json: Data(#"{"reference": "BAD-2", "invoice_type": "CASH", "items": [{"name": "x", "quantity": 1, "unit_price": 2.675, "vat_rate": 21}], "payments": [{"type": "BANKNOTE", "amount": 2.67}]}"#.utf8))
        #expect(mismatch.error?.field == "payments")
        #expect(mismatch.error?.message.contains("2.68") == true, "2.675 is read exactly and rounds half up to 2.68")
        let notJSON = await connector.fiscalize(json: Data("reference=1".utf8))
        #expect(notJSON.error?.code == .invalidInput)
        let missing = await connector.fiscalize(json: Data(#"{"invoice_type": "CASH"}"#.utf8))
        #expect(missing.error?.field == "reference")
        #expect(try await connector.journal.entries().isEmpty)
        #expect(await harness.simulator.received.isEmpty)
    }

    @Test func refusesCashInvoiceWithoutDepositWhenConfigured() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector(harness.configuration(extra: "[cash]\nauto_initial_deposit = false"))
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "D-1"))
        #expect(result.status == .rejected)
        #expect(result.error?.code == .initialDepositMissing)
        let deposit = await connector.deposit(amount: ExactDecimal("50.00")!, operation: .initial)
        #expect(deposit.status == .fiscalized && deposit.fic != nil)
        #expect(await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "D-1")).status == .fiscalized)
        let withdraw = await connector.deposit(amount: ExactDecimal("20.00")!, operation: .withdraw)
        #expect(withdraw.status == .fiscalized)
        let zero = await connector.deposit(amount: .zero, operation: .withdraw)
        #expect(zero.error?.field == "amount")
    }

    @Test func ordinalsResetOnTheFirstInvoiceOfTheYear() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        // Shortly after midnight, when every one of these issue times is in the allowed window.
        let connector = try harness.connector(clock: { FiscalTimestamp("2027-01-01T00:35:00+01:00")!.date })
        let late = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "Y-1", cash: false, issuedAt: "2026-12-31T23:59:00+01:00"))
        let later = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "Y-2", cash: false, issuedAt: "2026-12-31T23:59:30+01:00"))
        // 23:30 UTC on 31 December is already the new year in Podgorica.
        let newYear = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "Y-3", cash: false, issuedAt: "2026-12-31T23:30:00Z"))
        #expect([late.ordinal, later.ordinal, newYear.ordinal] == [1, 2, 1])
        #expect(newYear.invoiceNumber == "xx123xx123/1/2027/si747we972")
    }

    @Test func untrustedAnswersAreNotProofOfFiscalization() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        // The connector trusts only another certificate as the tax authority's signer.
        var text = harness.configuration()
        text = text.replacingOccurrences(of: TestMaterial.certificate("tax-authority.pem"), with: TestMaterial.certificate("taxpayer.pem"))
        let connector = try harness.connector(text)
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "U-1", cash: false))
        #expect(result.status == .deferred)
        #expect(try await connector.journal.entry(reference: "U-1")?.lastAttempt?.failureCode == .untrustedAnswer)
    }

    @Test func journalIsDurableAndAppendOnly() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        _ = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "J-1"))
        let queue = try DatabaseQueue(path: connector.journal.path)
        let mode = try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        #expect(throws: (any Error).self) { try queue.write { db in try db.execute(sql: "UPDATE document SET total = '0.00'") } }
        #expect(throws: (any Error).self) { try queue.write { db in try db.execute(sql: "DELETE FROM attempt") } }
        #expect(try await connector.journal.entry(reference: "J-1")?.document.total == "3.00")
    }

    @Test func statusReportsPendingDeadlinesAndExpiry() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let start = Date()
        let clock = TestClock(start)
        let connector = try harness.connector(clock: { clock.now })
        await harness.simulator.setPersistentFailure(.down)
        _ = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "S-1", cash: false))
        var status = try await connector.status()
        #expect(status.pendingCount == 1 && status.overdueCount == 0)
        #expect(status.oldestPendingDeadline != nil)
        #expect(status.nextOrdinal == 2)
        clock.advance(by: 30 * 3600)
        status = try await connector.status()
        #expect(status.warnings.contains { $0.contains("must be delivered within 18 hours") })
        clock.advance(by: 20 * 3600)
        status = try await connector.status()
        #expect(status.overdueCount == 1)
        #expect(status.warnings.contains { $0.contains("past the 48-hour deadline") })
    }
}

@Suite struct ConnectorStartupTests {
    @Test func refusesWithoutAValidLicense() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let cases: [(String, String)] = [
            (harness.configuration(license: ""), "no license"),
            (harness.configuration(license: harness.license(device: "ab123cd456")), "device"),
            (harness.configuration(license: harness.license(tin: "87654321")), "TIN"),
            (harness.configuration(license: harness.license(expires: FiscalDate(year: 2020, month: 1, day: 1)!)), "expired"),
            (harness.configuration(license: String(harness.license().dropLast(6)) + "AAAAAA"), "signature"),
            (harness.configuration(license: harness.license()).replacingOccurrences(of: "environment = \"test\"", with: "environment = \"production\""), "production"),
        ]
        for (text, expected) in cases {
            let error = #expect(throws: ConnectorError.self) { try harness.connector(text) }
            #expect(error?.code == .license, "\(expected)")
            #expect(error?.message.contains(expected) == true, "\(expected): \(String(describing: error))")
        }
        // Production is allowed when the license says so.
        let production = harness.configuration(license: harness.license(environments: ["test", "production"])).replacingOccurrences(of: "environment = \"test\"", with: "environment = \"production\"")
        #expect(throws: Never.self) { try harness.connector(production) }
    }

    @Test func refusesUnusableCertificates() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        for (file, expected) in [("expired.p12", "expired"), ("other-tin.p12", "87654321"), ("no-tin.p12", "no taxpayer TIN")] {
            let error = #expect(throws: ConnectorError.self) { try harness.connector(harness.configuration(certificate: file)) }
            #expect(error?.code == .certificate, "\(file)")
            #expect(error?.message.contains(expected) == true, "\(file): \(String(describing: error))")
        }
        let path = try harness.writeConfiguration()
        let noPassword = #expect(throws: ConnectorError.self) {
            try Connector(configuration: ConnectorConfiguration.load(path: path), environment: [:])
        }
        #expect(noPassword?.message.contains("FISCAL_CERT_PASSWORD is not set") == true)
    }
}

@Suite struct ExpiryWarningTests {
    @Test func warnsThirtyDaysBeforeTheCertificateExpires() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        // The test seal is valid until 2036-12-31 23:59:59 UTC.
        let soon = ISO8601DateFormatter().date(from: "2036-12-15T12:00:00Z")!
        let connector = try harness.connector(clock: { soon })
        let status = try await connector.status()
        #expect(status.certificateDaysLeft == 16)
        #expect(status.warnings.contains { $0.contains("certificate expires in 16 days") })
        let result = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "W-1", cash: false))
        #expect(result.warnings.contains { $0.contains("certificate expires in 16 days") })
        let early = try harness.connector(clock: { ISO8601DateFormatter().date(from: "2036-11-01T12:00:00Z")! })
        #expect(try await early.status().warnings.allSatisfy { !$0.contains("certificate expires") })
    }

    @Test func warnsBeforeTheLicenseExpires() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let expires = FiscalDate(Date()).adding(days: 10)
        let connector = try harness.connector(harness.configuration(license: harness.license(expires: expires)))
        #expect(try await connector.status().warnings.contains { $0.contains("license expires on \(expires)") })
    }
}

@Suite struct ConcurrentReplayTests {
    @Test func theSameReferenceAtOnceIssuesOnceAndAnswersAlike() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let results = await withTaskGroup(of: FiscalizationResult.self) { group in
            for _ in 0..<8 { group.addTask { await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "SAME-1")) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.status == .fiscalized }, "\(results.map(\.status))")
        #expect(Set(results.compactMap(\.fic)).count == 1)
        #expect(try await connector.journal.entries(kind: "invoice").count == 1)
        #expect(await harness.simulator.invoices.count == 1)
    }

    @Test func theDelivererNeverTakesAFreshInvoiceFromItsOwnCall() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        // The deliverer runs continuously while invoices are issued.
        let deliverer = Task { while !Task.isCancelled { _ = try await connector.deliverPending(force: true) } }
        var results: [FiscalizationResult] = []
        for index in 0..<30 { results.append(await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "FRESH-\(index)", cash: false))) }
        deliverer.cancel()
        #expect(results.allSatisfy { $0.status == .fiscalized }, "\(results.map(\.status))")
        let deliveries = await harness.simulator.invoices.map(\.deliveries)
        #expect(deliveries.allSatisfy { $0 == 1 }, "each invoice sent once, first without SubseqDelivType")
    }
}
