import EFISimulator
import FiscalAdmin
import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// The whole story over real HTTP, with the real `fiscal-connector` executable: an integrator signs
/// up and sets up a client with a device and a license; the connector enrols and fiscalizes in
/// test; the integrator uploads the production certificate and the last code, the checklist turns
/// green, the device is switched; the running connector picks up production (a second simulated
/// tax authority) by itself.
@Suite struct EndToEndTests {
    static func json(_ answer: WebClient.Answer, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(answer.json, "not JSON (\(answer.status)): \(answer.text)", sourceLocation: sourceLocation)
    }

    /// Polls `condition` every 200 ms for up to `seconds`.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }

    @Test(arguments: StoreEngine.available) func fromSignUpToProductionWithoutManualEdits(engine: StoreEngine) async throws {
        guard let executable = ExternalTools.built("fiscal-connector") else {
            #expect(!ExternalTools.required, "fiscal-connector was not built")
            return
        }
        let testAuthority = try await SimulatorServer.start(TaxAuthoritySimulator(identity: TestMaterial.taxAuthority, trusted: [TestMaterial.rootCA]))
        let productionAuthority = try await SimulatorServer.start(TaxAuthoritySimulator(identity: TestMaterial.taxAuthority, trusted: [TestMaterial.rootCA]))
        var settings = AdminService.Settings()
        settings.testURL = "http://127.0.0.1:\(testAuthority.port)/fs-v1"
        settings.productionURL = "http://127.0.0.1:\(productionAuthority.port)/fs-v1"
        settings.refreshSeconds = 1
        let admin = try await AdminServerHarness.start(engine, settings: settings)
        let folder = NSTemporaryDirectory() + "fiscal-e2e-" + UUID().uuidString
        var serve: ConnectorProcess?
        defer {
            serve?.process.terminate()
            try? FileManager.default.removeItem(atPath: folder)
            Task {
                await admin.stop()
                await testAuthority.stop()
                await productionAuthority.stop()
            }
        }

        // The integrator signs up and gets an API token.
        let api = WebClient(base: admin.base)
        let password = "a long and private passphrase"
        let signUp = try await api.send("POST", "/api/v1/signup", json: ["kind": "integrator", "organization": "Primjer IT d.o.o.", "name": "Ana", "email": "ana@primjer.me", "password": password])
        #expect(signUp.status == 201, "\(signUp.text)")
        let token = try await api.send("POST", "/api/v1/tokens", json: ["email": "ana@primjer.me", "password": password, "name": "e2e"])
        api.token = try #require(try Self.json(token)["secret"] as? String)

        // A client, a business unit, a device (without its maintainer code yet), a test license.
        let client = try Self.json(try await api.send("POST", "/api/v1/clients", json: [
            "name": "Kafana Primjer d.o.o.", "tin": "12345678", "in_vat": true, "vat_number": "30/31-12345-6", "address": "Slobode 1", "town": "Podgorica"]))
        let clientID = try #require(client["id"] as? String)
        let unit = try Self.json(try await api.send("POST", "/api/v1/clients/\(clientID)/business-units", json: ["code": "bb123bb123", "name": "Kafana"]))
        let device = try Self.json(try await api.send("POST", "/api/v1/clients/\(clientID)/devices", json: [
            "business_unit_id": try #require(unit["id"] as? String), "internal_id": "1", "tcr_code": "cc123cc123", "software_code": "ss123ss123", "operator_code": "oo123oo123"]))
        let deviceID = try #require(device["id"] as? String)
        // A license needs every code: the maintainer code first.
        let unlicensable = try await api.send("POST", "/api/v1/devices/\(deviceID)/licenses", json: ["environments": "test"])
        #expect(unlicensable.status == 422 && unlicensable.text.contains("maintainer_code"), "\(unlicensable.text)")
        #expect(try await api.send("PATCH", "/api/v1/devices/\(deviceID)", json: ["maintainer_code": "mm123mm123"]).status == 200)
        let license = try await api.send("POST", "/api/v1/devices/\(deviceID)/licenses", json: ["environments": "test"])
        #expect(license.status == 201, "\(license.text)")
        // efitest needs a certificate too: the client's test certificate (legacy PKCS#12).
        let testCertificate = try await api.send("POST", "/api/v1/clients/\(clientID)/certificates", json: [
            "pkcs12": Data(try TestMaterial.bytes(TestMaterial.certificate("taxpayer-legacy.p12"))).base64EncodedString(), "password": TestMaterial.password])
        #expect(testCertificate.status == 201, "\(testCertificate.text)")
        let enrolmentToken = try #require(try Self.json(try await api.send("POST", "/api/v1/devices/\(deviceID)/enrolment-token"))["token"] as? String)

        // The connector enrols (its local API on a free port, a setting of this machine) and serves.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "[api]\nlisten = \"127.0.0.1:0\"\n".write(toFile: folder + "/connector.toml", atomically: true, encoding: .utf8)
        let enrol = try await ExternalTools.run(executable: executable, ["enroll", "--admin", admin.base, "--token", enrolmentToken, "--dir", folder], environment: ["PATH": "/usr/bin:/bin"])
        #expect(enrol.status == 0, "\(enrol.output)")
        let environment = ["FISCAL_API_TOKEN": "e2e-token", "PATH": "/usr/bin:/bin"]
        let config = folder + "/connector.toml"
        let process = try await BlockingWorkers.shared.run { try ConnectorProcess(executable: executable, config: config, environment: environment) }
        serve = process
        let local = WebClient(base: "http://127.0.0.1:\(process.port)", token: "e2e-token")

        // It fiscalizes in test, against the test authority.
        let first = try await local.send("POST", "/v1/invoices", body: ConnectorHarness.invoiceJSON(reference: "E2E-TEST-1"), contentType: "application/json")
        #expect(first.status == 200, "\(first.text)")
        #expect(await testAuthority.simulator.invoices.count == 1)
        #expect(await productionAuthority.simulator.invoices.isEmpty)

        // Its heartbeat reaches the admin server: the checklist's test-invoice item passes.
        let reported = try await Self.eventually(20) {
            let details = try Self.json(try await api.send("GET", "/api/v1/devices/\(deviceID)"))
            let heartbeat = (details["device"] as? [String: Any])?["heartbeat"] as? [String: Any]
            return ((heartbeat?["report"] as? [String: Any])?["test_invoices"] as? Int ?? 0) >= 1
        }
        #expect(reported, "the connector reported its test invoice")

        // Not yet: the license allows test only and the switch is refused.
        let early = try await api.send("POST", "/api/v1/devices/\(deviceID)/environment", json: ["environment": "production", "confirm": "cc123cc123"])
        #expect(early.status == 409, "\(early.text)")

        // The production certificate and a production license; the checklist turns green; the switch.
        let productionCertificate = try await api.send("POST", "/api/v1/clients/\(clientID)/certificates", json: [
            "pkcs12": Data(try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))).base64EncodedString(), "password": TestMaterial.password])
        #expect(productionCertificate.status == 201, "\(productionCertificate.text)")
        #expect(try await api.send("POST", "/api/v1/devices/\(deviceID)/licenses", json: ["environments": "test,production"]).status == 201)
        let details = try Self.json(try await api.send("GET", "/api/v1/devices/\(deviceID)"))
        #expect(details["checklist_green"] as? Bool == true, "\(details["checklist"] ?? "")")
        let switched = try await api.send("POST", "/api/v1/devices/\(deviceID)/environment", json: ["environment": "production", "confirm": "cc123cc123"])
        #expect(switched.status == 200, "\(switched.text)")

        // The running connector picks up production by itself, with the new certificate.
        let picked = try await Self.eventually(30) {
            let status = try await local.send("GET", "/v1/status")
            return status.json?["environment"] as? String == "production"
        }
        #expect(picked, "the connector switched to production")
        let second = try await local.send("POST", "/v1/invoices", body: ConnectorHarness.invoiceJSON(reference: "E2E-PROD-1"), contentType: "application/json")
        #expect(second.status == 200, "\(second.text)")
        #expect(await productionAuthority.simulator.invoices.count == 1, "the production invoice went to the production endpoint")
        #expect(await testAuthority.simulator.invoices.count == 1, "and not to the test endpoint")
        let toml = try String(contentsOfFile: config, encoding: .utf8)
        #expect(toml.contains("environment = \"production\"") && toml.contains("maintainer_code = \"mm123mm123\"") && toml.contains("listen = \"127.0.0.1:0\""))

        // Revoking the license in fiscal-admin stops the running connector from issuing.
        let details2 = try Self.json(try await api.send("GET", "/api/v1/devices/\(deviceID)"))
        let active = try #require((details2["licenses"] as? [[String: Any]])?.first { $0["status"] as? String == "active" })
        let licenseID = try #require((active["license"] as? [String: Any])?["id"] as? String)
        #expect(try await api.send("POST", "/api/v1/licenses/\(licenseID)/revoke").status == 200)
        let suspended = try await Self.eventually(30) {
            let answer = try await local.send("POST", "/v1/invoices", body: ConnectorHarness.invoiceJSON(reference: "E2E-AFTER-REVOKE-\(UUID().uuidString.prefix(6))"), contentType: "application/json")
            return answer.status == 403 && (answer.json?["error"] as? [String: Any])?["code"] as? String == "suspended"
        }
        #expect(suspended, "the connector refuses invoices once its license is revoked")

        // The dashboard shows the device in production, and the audit log has the story.
        let log = try #require(try await api.send("GET", "/api/v1/audit").jsonArray)
        let actions = Set(log.compactMap { $0["action"] as? String })
        for action in ["organization.sign_up", "client.create", "business_unit.create", "device.create", "license.issue", "certificate.upload", "device.enrolment_token",
                       "device.enrol", "device.update", "device.switch_environment", "license.revoke"] {
            #expect(actions.contains(action), "audit has \(action)")
        }
        let web = WebClient(base: admin.base)
        try await web.signIn(email: "ana@primjer.me", password: password)
        let dashboard = try await web.send("GET", "/")
        #expect(dashboard.text.contains("pill production") && dashboard.text.contains(Connector.version))
    }
}
