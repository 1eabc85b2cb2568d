import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import EFISimulator
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

/// The local API over real HTTP on 127.0.0.1, with the simulated tax authority behind it.
@Suite struct LocalAPITests {
    func withServer(readTimeout: Duration = ConnectorServer.readTimeout, _ body: (String, ConnectorHarness) async throws -> Void) async throws {
        let harness = try await ConnectorHarness.start()
        let connector = try harness.connector()
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = ConnectorServer.application(connector: connector, token: "test-token", host: "127.0.0.1", port: 0, logger: logger, readTimeout: readTimeout) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task { try await app.run() }
        var port = 0
        for await value in stream { port = value }
        do {
            try await body("http://127.0.0.1:\(port)/v1", harness)
        } catch {
            task.cancel()
            await harness.stop()
            throw error
        }
        task.cancel()
        _ = try? await task.value
        await harness.stop()
    }

    @Test func aSilentHalfSentRequestIsClosed() async throws {
        try await withServer(readTimeout: .seconds(1)) { base, _ in
            let port = try #require(URL(string: base)?.port)
            let seconds = await BlockingWorkers.shared.run {
                HalfSentRequest.secondsUntilClosed(port: port, sending: "POST /v1/invoices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{\"refer", limit: 10)
            }
            #expect(seconds != nil, "the connection stayed open for 10 s")
            #expect((seconds ?? 99) < 5)
        }
    }

    @Test func fiscalizesAndServesResultsAndQRCodes() async throws {
        try await withServer { base, harness in
            let post = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "API-1"))
            #expect(post.status == 200, "\(String(decoding: post.body, as: UTF8.self))")
            #expect(post.json?["status"] as? String == "fiscalized")
            let fic = post.json?["fic"] as? String
            #expect(fic?.count == 36)
            let again = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "API-1"))
            #expect(again.json?["fic"] as? String == fic, "idempotent")
            let get = try await HTTPTestClient.send("GET", base + "/invoices/API-1")
            #expect(get.status == 200 && get.json?["fic"] as? String == fic)
            let svg = try await HTTPTestClient.send("GET", base + "/invoices/API-1/qr.svg")
            #expect(svg.status == 200 && svg.contentType == "image/svg+xml")
            #expect(String(decoding: svg.body, as: UTF8.self).hasPrefix("<svg"))
            let png = try await HTTPTestClient.send("GET", base + "/invoices/API-1/qr.png")
            #expect(png.status == 200 && png.contentType == "image/png" && png.body.starts(with: [0x89, 0x50]))
            let missing = try await HTTPTestClient.send("GET", base + "/invoices/NOPE")
            #expect(missing.status == 404)
            #expect((missing.json?["error"] as? [String: Any])?["code"] as? String == "unknown_reference")
        }
    }

    @Test func reportsEveryOutcomeWithItsStatusCode() async throws {
        try await withServer { base, harness in
            let invalid = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: Data(#"{"reference": "X"}"#.utf8))
            #expect(invalid.status == 422)
            #expect((invalid.json?["error"] as? [String: Any])?["field"] as? String == "invoice_type")
            let empty = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: Data(" \n".utf8))
            #expect(empty.status == 422)
            #expect(((empty.json?["error"] as? [String: Any])?["message"] as? String)?.contains("the invoice is empty: send one invoice as a JSON object") == true, "\(String(decoding: empty.body, as: UTF8.self))")
            _ = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "API-2"))
            let conflict = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "API-2", amount: "9.00"))
            #expect(conflict.status == 409)
            await harness.simulator.setPersistentFailure(.down)
            let deferred = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "API-3"))
            #expect(deferred.status == 202)
            #expect(deferred.json?["status"] as? String == "deferred")
            #expect((deferred.json?["qr_url"] as? String) != nil)
            let status = try await HTTPTestClient.send("GET", base + "/status")
            #expect(status.json?["pending_count"] as? Int == 1)
            await harness.simulator.setPersistentFailure(nil)
            let delivered = try await HTTPTestClient.send("POST", base + "/deliveries")
            #expect((delivered.json?["fiscalized"] as? [String]) == ["API-3"])
            let text = "Reference;API-4\nInvoiceType;CASH\nItem.0.Name;Čaj\nItem.0.Quantity;1\nItem.0.UnitPrice;2.00\nItem.0.VATRate;21\nPayment.0.Type;BANKNOTE\nPayment.0.Amount;2.00\n"
            let txt = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "text/plain; charset=utf-8", body: Data(text.utf8))
            #expect(txt.status == 200, "\(String(decoding: txt.body, as: UTF8.self))")
        }
    }

    @Test func depositsAndDocument() async throws {
        try await withServer { base, _ in
            let deposit = try await HTTPTestClient.send("POST", base + "/cash-deposits", contentType: "application/json", body: Data(#"{"amount": 50.00, "operation": "INITIAL", "reference": "float-1"}"#.utf8))
            #expect(deposit.status == 200)
            #expect((deposit.json?["fic"] as? String)?.count == 36)
            let bad = try await HTTPTestClient.send("POST", base + "/cash-deposits", contentType: "application/json", body: Data(#"{"amount": "x"}"#.utf8))
            #expect(bad.status == 422)
            let openapi = try await HTTPTestClient.send("GET", base + "/openapi.yaml")
            #expect(openapi.status == 200)
            let committed = try TestMaterial.bytes(TestMaterial.packageRoot + "/Sources/FiscalConnector/API/openapi.yaml")
            #expect([UInt8](openapi.body) == committed, "the served document is the committed Sources/FiscalConnector/API/openapi.yaml")
        }
    }

    @Test func requiresTheBearerToken() async throws {
        try await withServer { base, _ in
            for token in [nil, "wrong", "test-token-x", ""] as [String?] {
                let answer = try await HTTPTestClient.send("GET", base + "/status", token: token)
                #expect(answer.status == 401, "\(String(describing: token))")
            }
            let posted = try await HTTPTestClient.send("POST", base + "/invoices", token: nil, contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "NOAUTH"))
            #expect(posted.status == 401)
        }
    }

    @Test func refusesOversizedBodies() async throws {
        try await withServer { base, _ in
            let big = Data(repeating: 32, count: LocalAPI.maximumBody + 10)
            let answer = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: big)
            #expect(answer.status == 413)
        }
    }
}

@Suite struct OpenAPIDocumentTests {
    @Test func theCommittedDocumentIsValidOpenAPI() async throws {
        guard let run = try await OpenAPIDocument.validate(file: TestMaterial.packageRoot + "/Sources/FiscalConnector/API/openapi.yaml") else { return }
        #expect(run.status == 0, "\(run.output)")
        #expect(run.standardOutput.contains("valid"))
    }
}
