import FiscalAdmin
import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// The pages in a real headless browser (Debian's chromium, driven by Selenium through
/// chromedriver): sign in, create a client, switch a device, retire a certificate, filter and page
/// the audit log, check the header at phone width, screenshot the dashboard.
@Suite struct BrowserTests {
    @Test func signInCreateAClientAndSwitchADeviceInChromium() async throws {
        let tools = ["chromium", "chromedriver", "python3"].map { ($0, ExternalTools.find($0)) }
        let selenium = try? await ExternalTools.run("python3", ["-c", "import selenium"])
        guard tools.allSatisfy({ $0.1 != nil }), selenium?.status == 0 else {
            if ExternalTools.required { Issue.record("chromium, chromedriver and python3 with selenium are needed under CI (.ci/run installs them)") }
            return
        }
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let service = harness.admin.service
        let integrator = try await harness.admin.integrator("Primjer Integracije d.o.o.", email: "ana@integrator.me")

        // Another client with connectors that report, so that the dashboard shows what it is for.
        let other = try await service.createClient(integrator, AdminHarness.clientFields(tin: "02765432", name: "Pekara Bar d.o.o."))
        let unit = try await service.createBusinessUnit(integrator, clientID: other.id, Fields(["code": "pb123pb123", "name": "Pekara"]))
        let devices = try await service.createDevices(integrator, clientID: other.id, Fields(["business_unit_id": unit.id, "count": "3", "software_code": "ss123ss123", "operator_code": "oo123oo123"]))
        for (index, device) in devices.enumerated() {
            _ = try await service.updateDevice(integrator, id: device.id, Fields(["tcr_code": "tc12\(index)tc12\(index)"]))
            let token = try await service.createEnrolmentToken(integrator, deviceID: device.id)
            _ = try await service.enrol(token: token, publicKey: DeviceEnvelope.PrivateKey.generate().publicKey.base64)
            let now = harness.admin.clock.now
            try await service.recordHeartbeat(token: token, DeviceHeartbeat(
                version: "1.0.0", environment: "test", pending: index, oldestDeadline: index == 0 ? nil : now.addingTimeInterval(index == 2 ? -2 * 3600 : 40 * 3600),
                certificateExpiry: ISO8601DateFormatter().date(from: "2027-03-31T23:59:59Z"), lastFIC: UUID().uuidString.lowercased(), lastFiscalizedAt: now.addingTimeInterval(-60), testInvoices: 10 + index, productionInvoices: 0))
        }

        // More than a page of audit entries.
        for index in 1...45 { _ = try await service.createAPIToken(integrator, Fields(["name": "billing sync \(index)"])) }

        // The browser's device gets a connector that reports a test invoice, as it would in a shop.
        let reporter = Task {
            while !Task.isCancelled {
                if let client = try await service.clients(integrator).first(where: { $0.tin == "12345678" }),
                   let device = try await service.devices(integrator, clientID: client.id).first {
                    let token = try await service.createEnrolmentToken(integrator, deviceID: device.id)
                    _ = try await service.enrol(token: token, publicKey: DeviceEnvelope.PrivateKey.generate().publicKey.base64)
                    try await service.recordHeartbeat(token: token, DeviceHeartbeat(
                        version: "1.0.0", environment: "test", pending: 0, oldestDeadline: nil, certificateExpiry: nil, lastFIC: UUID().uuidString.lowercased(),
                        lastFiscalizedAt: harness.admin.clock.now, testInvoices: 1, productionInvoices: 0))
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { reporter.cancel() }

        let screenshot = FileManager.default.temporaryDirectory.appendingPathComponent("fiscal-admin-dashboard-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: screenshot) }
        let run = try await ExternalTools.run("python3", [
            TestMaterial.packageRoot + "/Tests/UI/admin_ui.py", "--base", harness.base, "--email", "ana@integrator.me", "--password", AdminHarness.password,
            "--certificate", TestMaterial.certificate("taxpayer-modern.p12"), "--certificate-password", TestMaterial.password, "--screenshot", screenshot,
            "--chromedriver", ExternalTools.find("chromedriver")!, "--phone-screenshot", ProcessInfo.processInfo.environment["FISCAL_PHONE_SCREENSHOT"] ?? "",
        ])
        #expect(run.status == 0, "\(run.output)")
        // What the browser did is in the store: the client, and its device in production.
        let client = try #require(try await service.clients(integrator).first { $0.tin == "12345678" })
        #expect(try await service.devices(integrator, clientID: client.id).map(\.environment) == [.production])
        #expect(try await service.auditLog(integrator).contains { $0.action == "device.switch_environment" })
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
        if let keep = ProcessInfo.processInfo.environment["FISCAL_SCREENSHOT"] { try? png.write(to: URL(fileURLWithPath: keep)) }
    }
}
