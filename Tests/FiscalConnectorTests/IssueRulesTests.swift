import EFISimulator
import FiscalQueue
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import MontenegroFiscal
import Testing

/// The connector refuses VAT rates not in force and issue times outside the allowed window,
/// issuing nothing, reads `[vat]` from `connector.toml`, and never refuses what it already issued.
@Suite struct IssueRulesTests {
    func invoice(_ reference: String, rate: String = "21", issuedAt: String? = nil) -> Data {
        let json = String(decoding: ConnectorHarness.invoiceJSON(reference: reference, cash: false, issuedAt: issuedAt), as: UTF8.self)
        return Data(json.replacingOccurrences(of: #""vat_rate": "21""#, with: #""vat_rate": "\#(rate)""#).utf8)
    }

    @Test func aRateNotInForceIssuesNothingUnlessTheConfigurationAddsIt() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        for rate in ["20", "22", "99", "33.33", "0.01"] {
            let refused = await connector.fiscalize(json: invoice("V-\(rate)", rate: rate))
            #expect(refused.status == .rejected && refused.error?.field == "items[0].vat_rate", "\(refused)")
            #expect(refused.error?.issues?.first?.code == "vatRateNotInForce")
            #expect(refused.error?.message.contains("\(rate) is not a VAT rate in force on \(FiscalDate(Date()))") == true, "\(refused)")
        }
        #expect(try await connector.journal.entries().isEmpty, "nothing journaled")
        #expect(await connector.fiscalize(json: invoice("V-21")).ordinal == 1, "no ordinal used by the refusals")

        let amended = try harness.connector(harness.configuration(extra: "[vat]\nrates = [\"21\", \"20\", \"7\", \"0\"]\nvalid_from = 2020-01-01"))
        let twenty = await amended.fiscalize(json: invoice("V-20b", rate: "20"))
        #expect(twenty.status == .fiscalized && twenty.ordinal == 2, "\(twenty)")
    }

    @Test func issueTimesOutsideTheWindowIssueNothing() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let clock = TestClock(Date())
        let connector = try harness.connector(clock: { clock.now })
        let now = clock.now
        for (reference, time) in [("W-1", "2020-01-01T10:00:00+01:00"), ("W-2", "2036-01-01T10:00:00+01:00"),
                                  ("W-3", FiscalTimestamp(now.addingTimeInterval(-14 * 86_400)).text), ("W-4", FiscalTimestamp(now.addingTimeInterval(-48 * 3600 - 60)).text),
                                  ("W-5", FiscalTimestamp(now.addingTimeInterval(IssueContext.clockSkewAllowance + 60)).text)] {
            let refused = await connector.fiscalize(json: invoice(reference, issuedAt: time))
            #expect(refused.status == .rejected && refused.error?.field == "issued_at" && refused.exitCode == 2, "\(refused)")
            #expect(refused.error?.message.contains("issued_at: \(time) is outside the allowed window \(FiscalTimestamp(now.addingTimeInterval(-48 * 3600)).text) … ") == true, "\(refused)")
        }
        #expect(try await connector.journal.entries().isEmpty, "nothing journaled")
        let edge = await connector.fiscalize(json: invoice("W-6", issuedAt: FiscalTimestamp(now.addingTimeInterval(-47 * 3600)).text))
        #expect(edge.status != .rejected && edge.ordinal == 1, "\(edge)")
    }

    @Test func nothingIsIssuedAsOfBeforeTheCertificateWasValid() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let clock = TestClock(Date())
        let connector = try harness.connector(clock: { clock.now })
        let start = connector.certificate.notBefore
        clock.set(start.addingTimeInterval(3600))
        let refused = await connector.fiscalize(json: invoice("C-1", issuedAt: FiscalTimestamp(start.addingTimeInterval(-60)).text))
        #expect(refused.error?.field == "issued_at" && refused.error?.message.contains("the signing certificate is valid only from \(FiscalTimestamp(start).text)") == true, "\(refused)")
        #expect(try await connector.journal.entries().isEmpty)
    }

    @Test func whatWasIssuedIsReplayedAndDeliveredAfterTheWindowHasPassed() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let clock = TestClock(Date())
        let connector = try harness.connector(clock: { clock.now })
        await harness.simulator.setPersistentFailure(.down)
        let json = invoice("L-1", issuedAt: FiscalTimestamp(clock.now).text)
        let first = await connector.fiscalize(json: json)
        #expect(first.status == .deferred)
        clock.advance(by: 3 * 86_400)
        let again = await connector.fiscalize(json: json)
        #expect(again.status == .deferred && again.iic == first.iic, "the same reference returns what was issued: \(again)")
        await harness.simulator.setPersistentFailure(nil)
        let report = try await connector.deliverPending(force: true)
        #expect(report.fiscalized == ["L-1"], "redelivery is not checked against the window: \(report)")
    }
}

@Suite struct VATConfigurationTests {
    func parse(_ vat: String) throws(ConfigurationError) -> ConnectorConfiguration {
        try ConnectorConfiguration.parse(ConfigurationTests.minimal + "\n" + vat, baseDirectory: "/etc/fiscal")
    }

    @Test func withoutVATTheBuiltInTableApplies() throws {
        let table = try ConnectorConfiguration.parse(ConfigurationTests.minimal, baseDirectory: "/").vatRates
        #expect(table == .montenegro)
        #expect(table.rates(on: FiscalDate("2026-12-05")!) == [21, 15, 7, 0])
        #expect(table.rates(on: FiscalDate("2024-12-31")!) == [21, 7, 0])
    }

    @Test func ratesOverrideTheBuiltInTableOnTheirDays() throws {
        let table = try parse("[vat]\nrates = [\"21\", 20, 7.5, \"0\"]\nvalid_from = \"2027-01-01\"\nvalid_to = 2027-12-31").vatRates
        #expect(table.rates(on: FiscalDate("2027-06-01")!) == [21, 20, dec("7.5"), 0])
        #expect(table.rates(on: FiscalDate("2026-12-31")!) == [21, 15, 7, 0])
        #expect(table.rates(on: FiscalDate("2028-01-01")!) == [21, 15, 7, 0])
        let always = try parse("[vat]\nrates = [\"21\", \"7\", \"0\"]").vatRates
        #expect(always.rates(on: FiscalDate("2026-12-05")!) == [21, 7, 0])
    }

    @Test(arguments: [
        ("[vat]\nrates = [\"21\"]\nvalid_form = \"2027-01-01\"", "vat.valid_form", "did you mean valid_from?"),
        ("[vatt]\nrates = [\"21\"]", "vatt", "did you mean [vat]?"),
        ("[vat]\nrates = [\"abc\"]", "vat.rates", "'abc' is not a VAT rate"),
        ("[vat]\nrates = [\"101\"]", "vat.rates", "'101' is not a VAT rate"),
        ("[vat]\nrates = []", "vat.rates", "expected a list of rates"),
        ("[vat]\nrates = \"21\"", "vat.rates", "expected a list of rates"),
        ("[vat]\nvalid_from = \"2027-01-01\"", "vat.rates", "is required with valid_from or valid_to"),
        ("[vat]\nrates = [\"21\"]\nvalid_from = \"2027-13-01\"", "vat.valid_from", "is not a day"),
        ("[vat]\nrates = [\"21\"]\nvalid_from = \"2027-02-01\"\nvalid_to = \"2027-01-31\"", "vat.valid_to", "is before valid_from"),
    ])
    func mistakesNameTheKeyAndTheFix(_ vat: String, _ key: String, _ fix: String) {
        let error = #expect(throws: ConfigurationError.self) { try parse(vat) }
        #expect(error?.key == key && error?.message.contains(fix) == true, "\(String(describing: error))")
    }

    @Test func misspeltSettingsElsewhereGetASuggestionToo() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConnectorConfiguration.parse(ConfigurationTests.minimal.replacingOccurrences(of: "file = \"seal.p12\"", with: "file = \"seal.p12\"\npasword_env = \"X\""), baseDirectory: "/")
        }
        #expect(error?.message == "unknown setting 'pasword_env' in [certificate]: did you mean password_env?")
    }
}
