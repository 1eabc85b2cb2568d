import EFISimulator
import FiscalConnector
import FiscalTesting
import Foundation
import Testing

/// `fiscal-connector fiscalize` and friends as invoicing software runs them: a process, a file, an exit code.
@Suite struct FiscalizeCommandTests {
    func run(_ arguments: [String], input: Data? = nil, environment: [String: String]) async throws -> (status: Int32, stdout: String, stderr: String)? {
        guard let executable = ExternalTools.built("fiscal-connector") else {
            #expect(!ExternalTools.required, "fiscal-connector was not built")
            return nil
        }
        let run = try await ExternalTools.run(executable: executable, arguments, input: input, environment: environment)
        return (run.status, run.standardOutput, run.standardError)
    }

    func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func exitCodesFollowTheContract() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let config = try harness.writeConfiguration()
        let env = harness.environment
        guard let ok = try await run(["fiscalize", "--config", config], input: ConnectorHarness.invoiceJSON(reference: "CLI-1"), environment: env) else { return }
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(json(ok.stdout)["status"] as? String == "fiscalized")

        let file = harness.directory + "/invoice.txt"
        try "Reference;CLI-2\nInvoiceType;CASH\nItem.0.Name;Čaj\nItem.0.Quantity;1\nItem.0.UnitPrice;2.00\nItem.0.VATRate;21\nPayment.0.Type;BANKNOTE\nPayment.0.Amount;2.00\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let text = try #require(try await run(["fiscalize", "--config", config, "--input", file], environment: env))
        #expect(text.status == 0, "\(text.stdout)")

        let invalid = try #require(try await run(["fiscalize", "--config", config], input: Data(#"{"reference": "CLI-3", "invoice_type": "CASH"}"#.utf8), environment: env))
        #expect(invalid.status == 2)
        #expect((json(invalid.stdout)["error"] as? [String: Any])?["code"] as? String == "invalid_input")

        await harness.simulator.setPersistentFailure(.down)
        let deferred = try #require(try await run(["fiscalize", "--config", config], input: ConnectorHarness.invoiceJSON(reference: "CLI-4"), environment: env))
        #expect(deferred.status == 3)
        #expect(json(deferred.stdout)["iic"] as? String != nil)
        let deliverWhileDown = try #require(try await run(["deliver", "--config", config], environment: env))
        #expect(deliverWhileDown.status == 3)
        await harness.simulator.setPersistentFailure(nil)
        let deliver = try #require(try await run(["deliver", "--config", config], environment: env))
        #expect(deliver.status == 0, "\(deliver.stdout)")
        let status = try #require(try await run(["status", "--config", config], environment: env))
        #expect(json(status.stdout)["pending_count"] as? Int == 0)
        let show = try #require(try await run(["journal", "show", "CLI-4", "--config", config], environment: env))
        #expect(show.stdout.contains("\"subsequent_delivery\" : \"SERVICE\""))

        let dry = try #require(try await run(["fiscalize", "--config", config, "--dry-run"], input: ConnectorHarness.invoiceJSON(reference: "CLI-5"), environment: env))
        #expect(dry.status == 0)
        #expect(dry.stdout.hasPrefix("<RegisterInvoiceRequest"))
        let list = try #require(try await run(["journal", "list", "--config", config, "--kind", "invoice"], environment: env))
        #expect(!list.stdout.contains("CLI-5"), "a dry run journals nothing")
    }

    @Test func startupProblemsAreReportedAsRejections() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let config = try harness.writeConfiguration(harness.configuration(license: ""))
        guard let noLicense = try await run(["fiscalize", "--config", config], input: ConnectorHarness.invoiceJSON(reference: "X"), environment: harness.environment) else { return }
        #expect(noLicense.status == 2)
        #expect((json(noLicense.stdout)["error"] as? [String: Any])?["code"] as? String == "license")
        let missing = try #require(try await run(["status", "--config", harness.directory + "/nope.toml"], environment: harness.environment))
        #expect(missing.status == 2 && missing.stderr.contains("cannot read the configuration file"))
        try harness.writeConfiguration()
        let noToken = try #require(try await run(["serve", "--config", config], environment: ["FISCAL_CERT_PASSWORD": TestMaterial.password]))
        #expect(noToken.status == 2 && noToken.stderr.contains("FISCAL_API_TOKEN"))
    }
}
