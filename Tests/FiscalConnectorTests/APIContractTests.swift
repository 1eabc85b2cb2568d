import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// The local API answers exactly what its OpenAPI document says: schemathesis generates requests
/// from the document (valid and invalid ones, every check) and finds nothing.
@Suite struct APIContractTests {
    static let document = TestMaterial.packageRoot + "/Sources/FiscalConnector/API/openapi.yaml"

    /// Schema-valid invoices can still break rules no schema expresses (payments that do not add
    /// up, a corrected invoice that does not exist): for this one operation 422 is an answer to
    /// valid data too. Every other operation must accept what the document calls valid.
    static let configuration = """
    [[operations]]
    include-path = "/v1/invoices"
    include-method = "POST"
    checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "409", "422", "503"]
    """

    @Test func schemathesisFindsNoDifferenceBetweenTheDocumentAndTheServer() async throws {
        try await LocalAPITests().withServer { base, _ in
            // The document's example reference is an issued invoice, so its result and QR codes answer 200.
            let issued = try await HTTPTestClient.send("POST", base + "/invoices", contentType: "application/json", body: ConnectorHarness.invoiceJSON(reference: "R-1001"))
            #expect(issued.status == 200, "\(String(decoding: issued.body, as: UTF8.self))")
            let root = String(base.dropLast("/v1".count))
            guard let outcome = try await Schemathesis.run(document: Self.document, base: root, headers: ["Authorization: Bearer test-token"],
                                                           maxExamples: 40, configuration: Self.configuration) else { return }
            let (status, cases, report) = (outcome.run.status, outcome.cases, outcome.run.output)
            #expect(status == 0, "schemathesis found differences:\n\(report)")
            #expect(cases >= 500, "only \(cases) cases generated")
        }
    }

    @Test func theDocumentDeclaresEveryRouteAndNoOther() throws {
        let declared = OpenAPIDocument.operations(String(decoding: try TestMaterial.bytes(Self.document), as: UTF8.self))
        let routes = Set(LocalAPI.routes.map { "\($0.method) \(OpenAPIDocument.path($0.path))" })
        #expect(!routes.isEmpty)
        #expect(declared == routes, "undocumented: \(routes.subtracting(declared).sorted()); documented but not served: \(declared.subtracting(routes).sorted())")
    }

    @Test func aKnownPathWithAnotherMethodAnswers405WithAllow() async throws {
        try await LocalAPITests().withServer { base, _ in
            for (method, path, allow) in [("TRACE", "/status", "GET"), ("GET", "/deliveries", "POST"), ("DELETE", "/invoices/R-1", "GET"),
                                          ("PUT", "/invoices", "POST"), ("POST", "/invoices/R-1/qr.png", "GET")] {
                let answer = try await WebClient(base: base, token: "test-token").send(method, path)
                #expect(answer.status == 405, "\(method) \(path)")
                #expect(answer.headers["allow"] == allow, "\(method) \(path)")
                #expect((answer.json?["error"] as? [String: Any])?["code"] as? String == "method_not_allowed")
            }
            let unknown = try await HTTPTestClient.send("GET", base + "/nothing-here")
            #expect(unknown.status == 404)
            let unauthenticated = try await HTTPTestClient.send("TRACE", base + "/status", token: nil)
            #expect(unauthenticated.status == 401)
        }
    }

    @Test func cashDepositsAreReadExactlyAsDocumented() async throws {
        try await LocalAPITests().withServer { base, _ in
            for body in [#"{"amount": ""}"#, #"{"amount": "5.001"}"#, #"{"amount": "-1"}"#, #"{"amount": "1e3"}"#, #"{"amount": true}"#,
                         #"{"amount": "1", "operation": "initial"}"#, #"{"amount": "0", "operation": "WITHDRAW"}"#, #"{"amount": "1", "reference": 5}"#,
                         #"{"amount": "1", "reference": ""}"#, #"{"amount": "1", "extra": 1}"#, #"[]"#, #"{"amount": "1234567890123"}"#] {
                let answer = try await HTTPTestClient.send("POST", base + "/cash-deposits", contentType: "application/json", body: Data(body.utf8))
                #expect(answer.status == 422, "\(body)")
                #expect(answer.json?["status"] as? String == "rejected", "\(body): the 422 body is a Result")
                #expect((answer.json?["error"] as? [String: Any])?["field"] as? String != nil, "\(body)")
            }
            let float = try await HTTPTestClient.send("POST", base + "/cash-deposits", contentType: "application/json", body: Data(#"{"amount": 0}"#.utf8))
            #expect(float.status == 200, "\(String(decoding: float.body, as: UTF8.self))")
        }
    }
}
