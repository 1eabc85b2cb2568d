import EFISimulator
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import MontenegroFiscal
import Testing

@Suite struct ExportTests {
    @Test func offlineArchiveHoldsSignedRequestsNamedAsTheSpecSays() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        await harness.simulator.setPersistentFailure(.down)
        let results = [
            await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "E-1")),
            await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "E-2", cash: false)),
        ]
        #expect(results.allSatisfy { $0.status == .deferred })
        let archives = try await connector.offlineDeliveryArchives()
        #expect(archives.count == 1)
        let archive = try #require(archives.first)
        #expect(archive.count == 3, "the day's INITIAL deposit and two invoices")
        #expect(archive.name.range(of: #"^\d{14}_si747we972_request\.zip$"#, options: .regularExpression) != nil)
        let folder = NSTemporaryDirectory() + "export-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let zip = folder + "/" + archive.name
        try archive.data.write(to: URL(fileURLWithPath: zip))
        let unzip = try await ExternalTools.run("python3", ["-m", "zipfile", "-e", zip, folder + "/files"])
        if unzip.status == 127 && !ExternalTools.required { return }
        #expect(unzip.status == 0, "\(unzip.output)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/files").sorted()
        for iic in results.compactMap(\.iic) {
            #expect(names.contains { $0.range(of: #"^\d{14}_si747we972_\#(iic)_request\.xml$"#, options: .regularExpression) != nil }, "\(names)")
        }
        for name in names {
            let xml = try String(contentsOfFile: folder + "/files/" + name, encoding: .utf8)
            #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Register"))
            #expect(xml.contains("SubseqDelivType=\"NOINTERNET\""))
            #expect(!xml.contains("Envelope"))
            let root = xml.contains("RegisterInvoiceRequest") ? "RegisterInvoiceRequest" : "RegisterCashDepositRequest"
            let run = try await ExternalTools.xmlsecVerify(xml, rootElement: root, trustedPEM: TestMaterial.certificate("test-root-ca.pem"))
            if run.status != 127 || ExternalTools.required { #expect(run.status == 0, "\(name): \(run.output)") }
        }
        for iic in results.compactMap(\.iic) {
            let file = try #require(names.first { $0.contains(iic) })
            let xml = try String(contentsOfFile: folder + "/files/" + file, encoding: .utf8)
            #expect(xml.contains("IIC=\"\(iic)\""), "same IIC as issued")
        }
    }

    @Test func dailyReportAddsUp() async throws {
        let harness = try await ConnectorHarness.start()
        defer { Task { await harness.stop() } }
        let connector = try harness.connector(harness.configuration(extra: "[cash]\ninitial_float = \"50.00\""))
        _ = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "D-1", amount: "3.00"))
        _ = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "D-2", cash: false, amount: "10.00"))
        _ = await connector.deposit(amount: ExactDecimal("20.00")!, operation: .withdraw)
        let report = try await connector.dailyReport(day: FiscalDate(Date()))
        #expect(report.invoices == 2 && report.fiscalized == 2)
        #expect(report.firstOrdinal == 1 && report.lastOrdinal == 2)
        #expect(report.total == "13.00")
        #expect(report.byPaymentMethod == ["BANKNOTE": "3.00", "ACCOUNT": "10.00"])
        #expect(report.vat == [DailyReport.VATLine(rate: "21.00", base: "10.74", vat: "2.26")])
        #expect(report.initialDeposit == "50.00" && report.withdrawn == "20.00")
        #expect(report.cashInDrawer == "33.00")
    }
}
