import FiscalAdmin
import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// What the pages show: names instead of ids, readable changes, forms that keep what was typed,
/// one time format, certificates that can be retired, and what needs attention.
@Suite struct AdminPagesTests {
    static let engines = StoreEngine.available

    func expectError(_ code: AdminError.Code, field: String? = nil, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as AdminError {
            #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
            if let field { #expect(error.field == field, "\(error.message)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    /// A client with a business unit and a device with every code.
    func world(_ harness: AdminHarness, _ integrator: Principal) async throws -> (client: Organization, device: Device) {
        let service = harness.service
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        let unit = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "bb123bb123", "name": "Shop"]))
        let device = try await service.createDevice(integrator, clientID: client.id, Fields([
            "business_unit_id": unit.id, "internal_id": "1", "tcr_code": "cc123cc123", "software_code": "ss123ss123", "maintainer_code": "mm123mm123", "operator_code": "oo123oo123",
        ]))
        return (client, device)
    }

    @Test(arguments: engines) func auditNamesWhoAndWhatShowsChangedFieldsAndFiltersAndPages(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator("Primjer Integracije d.o.o.")
        let (client, device) = try await world(harness, integrator)
        _ = try await service.updateDevice(integrator, id: device.id, Fields(["tcr_code": "dd123dd123"]))

        let updates = try await service.auditLog(integrator, AuditQuery(action: "device.update"))
        let update = try #require(updates.first)
        #expect(updates.count == 1)
        #expect(update.actorName == "Ana Admin" && update.organizationName == client.name && update.subject == "device bb123bb123 / 1")
        #expect(update.changes == [AuditChange(field: "tcr_code", before: "cc123cc123", after: "dd123dd123")])
        // A new record lists what it was created with, without ids.
        let created = try #require(try await service.auditLog(integrator, AuditQuery(entity: "business_unit")).first)
        #expect(created.subject == "bb123bb123 Shop")
        #expect(created.changes.contains(AuditChange(field: "name", before: nil, after: "Shop")) && !created.changes.contains { $0.field.hasSuffix("id") })
        // Times in the changes are written the one way the pages write them.
        let client0 = try #require(try await service.auditLog(integrator, AuditQuery(action: "client.create")).first)
        #expect(client0.changes.first { $0.field == "created_at" }?.after?.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d CES?T$"#, options: .regularExpression) != nil)

        // Filters by actor and record; pages of two, without gaps or overlaps.
        let all = try await service.auditLog(integrator)
        #expect(try await service.auditLog(integrator, AuditQuery(actor: integrator.email)).count == all.count)
        #expect(try await service.auditLog(integrator, AuditQuery(actor: "someone@else.me")).isEmpty)
        #expect(try await service.auditLog(integrator, AuditQuery(entity: "device", entityID: device.id)).map(\.action) == ["device.update", "device.create"])
        var paged: [Int] = []
        var query = AuditQuery(limit: 2)
        while true {
            let page = try await service.auditLog(integrator, query)
            paged += page.map(\.seq)
            guard page.count == 2 else { break }
            query.before = page.last!.seq
        }
        #expect(paged == all.map(\.seq) && all.count >= 4)
        await expectError(.invalid, field: "before") { _ = try AuditQuery(Fields(["before": "yesterday"])) }
        await expectError(.invalid, field: "limit") { _ = try AuditQuery(Fields(["limit": "5000"])) }
        // A connector acting is named by its device.
        let token = try await service.createEnrolmentToken(integrator, deviceID: device.id)
        _ = try await service.enrol(token: token, publicKey: DeviceEnvelope.PrivateKey.generate().publicKey.base64)
        let enrolled = try #require(try await service.auditLog(integrator, AuditQuery(action: "device.enrol")).first)
        #expect(enrolled.actorName == "connector of device bb123bb123 / 1" && enrolled.subject == "device bb123bb123 / 1")
        let filters = try await service.auditFilters(integrator)
        #expect(filters.actions.contains("device.update") && filters.entities.contains("business_unit") && filters.actors.contains { $0.name == "Ana Admin" })
        #expect(filters.actors.contains { $0.actor == "device \(device.id)" && $0.name == "connector of device bb123bb123 / 1" })
    }

    @Test func auditPageShowsNamesAndChangesAndPagesThroughHTTP() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let service = harness.admin.service
        let integrator = try await harness.admin.integrator(email: "ana@integrator.me")
        let (client, device) = try await world(harness.admin, integrator)
        for code in ["dd123dd123", "ee123ee123", "ff123ff123"] { _ = try await service.updateDevice(integrator, id: device.id, Fields(["tcr_code": code])) }
        for index in 0..<50 { _ = try await service.createAPIToken(integrator, Fields(["name": "token \(index)"])) }
        let web = WebClient(base: harness.base)
        #expect(try await web.signIn(email: "ana@integrator.me", password: AdminHarness.password) != nil)

        let filtered = try await web.send("GET", "/audit?action=device.update")
        #expect(filtered.status == 200)
        #expect(filtered.text.contains("<del>ee123ee123</del> → <ins>ff123ff123</ins>") && filtered.text.contains("device bb123bb123 / 1"), "\(filtered.text)")
        #expect(filtered.text.contains(client.name) && filtered.text.contains("Ana Admin"))
        // No raw JSON and no ids: names say who and what.
        #expect(!filtered.text.contains("{&quot;") && !filtered.text.contains("{\"") && !filtered.text.contains(device.id))
        #expect(filtered.text.contains("<option value=\"device.update\" selected>"))

        // 50 entries a page; the next page carries the filters and starts where the first ended.
        let first = try await web.send("GET", "/audit")
        let older = try #require(first.text.range(of: "href=\"(/audit\\?before=[0-9]+)\" id=\"older\"", options: .regularExpression).map { String(first.text[$0]) })
        let next = try await web.send("GET", String(older.dropFirst(6).prefix { $0 != "\"" }))
        #expect(next.status == 200 && next.text.contains("id=\"newest\"") && next.text.contains("<code>device.create</code>"))
        #expect(!first.text.contains("<code>device.create</code>"))
        let api = WebClient(base: harness.base, token: try await service.createAPIToken(integrator, Fields(["name": "api"])).secret)
        let bad = try await api.send("GET", "/api/v1/audit?before=abc")
        #expect(bad.status == 422 && (bad.json?["error"] as? [String: Any])?["field"] as? String == "before")
        let page = try await api.send("GET", "/api/v1/audit?entity=device&limit=2")
        #expect(page.jsonArray?.count == 2 && (page.jsonArray?.first?["changes"] as? [[String: Any]])?.first?["field"] as? String == "tcr_code")
    }

    @Test(arguments: engines) func aRetiredCertificateIsListedButNoLongerUsed(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator()
        let (client, device) = try await world(harness, integrator)
        let viewer = try await service.createUser(integrator, organizationID: client.id, Fields(["email": "viewer@client.me", "name": "V", "role": "client-viewer", "password": AdminHarness.password]))
        let viewerPrincipal = try await service.signIn(email: viewer.email, password: AdminHarness.password, address: "t").principal
        let stranger = try await harness.integrator("Other")
        let bytes = try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))
        let older = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: bytes, password: TestMaterial.password)
        let newer = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: bytes, password: TestMaterial.password)
        // Two uploads of one certificate: same serial and fingerprint, told apart by upload; the newest is in use.
        #expect(older.fingerprint.count == 64 && older.fingerprint == newer.fingerprint && older.serial == newer.serial)
        #expect(try await service.deviceDetails(integrator, id: device.id).certificate?.id == newer.id)

        await expectError(.forbidden) { _ = try await service.retireCertificate(viewerPrincipal, id: newer.id) }
        await expectError(.notFound) { _ = try await service.retireCertificate(stranger, id: newer.id) }
        let retired = try await service.retireCertificate(integrator, id: newer.id)
        #expect(retired.retiredAt == harness.clock.now)
        await expectError(.conflict) { _ = try await service.retireCertificate(integrator, id: newer.id) }
        let listed = try await service.certificates(integrator, clientID: client.id)
        #expect(listed.map(\.id) == [newer.id, older.id] && listed[0].retiredAt != nil && listed[1].retiredAt == nil)
        // Enrolment, the profile and the checklist use the one not retired.
        #expect(try await service.deviceDetails(integrator, id: device.id).certificate?.id == older.id)
        let token = try await service.createEnrolmentToken(integrator, deviceID: device.id)
        #expect(try await service.enrol(token: token, publicKey: DeviceEnvelope.PrivateKey.generate().publicKey.base64).certificate?.id == older.id)
        let audit = try #require(try await service.auditLog(integrator, AuditQuery(action: "certificate.retire")).first)
        #expect(audit.changes.map(\.field) == ["retired_at"] && audit.subject?.contains(newer.subject) == true)

        // The certificate in use cannot be retired while a device is in production without another one.
        _ = try await service.issueLicense(integrator, deviceID: device.id, Fields())
        try await service.recordHeartbeat(token: token, DeviceHeartbeat(version: "1.0.0", environment: "test", pending: 0, oldestDeadline: nil, certificateExpiry: older.notAfter,
                                                                       lastFIC: nil, lastFiscalizedAt: harness.clock.now, testInvoices: 1, productionInvoices: 0))
        _ = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "production", "confirm": "cc123cc123"]))
        await expectError(.conflict) { _ = try await service.retireCertificate(integrator, id: older.id) }
        _ = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "test", "confirm": "cc123cc123"]))
        _ = try await service.retireCertificate(integrator, id: older.id)
        #expect(try await service.deviceDetails(integrator, id: device.id).certificate == nil)
        #expect(try await service.certificateWarnings(integrator).isEmpty)
    }

    @Test func certificatePageAndRoutesRetireOne() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let service = harness.admin.service
        let integrator = try await harness.admin.integrator(email: "ana@integrator.me")
        let (client, _) = try await world(harness.admin, integrator)
        let bytes = try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))
        let older = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: bytes, password: TestMaterial.password)
        let newer = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: bytes, password: TestMaterial.password)
        let web = WebClient(base: harness.base)
        let csrf = try #require(try await web.signIn(email: "ana@integrator.me", password: AdminHarness.password))
        let page = try await web.send("GET", "/clients/\(client.id)")
        #expect(page.text.contains("in use") && page.text.contains("not used (a newer one is)") && page.text.contains(String(newer.fingerprint.prefix(16))))
        #expect(page.text.contains("action=\"/certificates/\(newer.id)/retire\""))
        let retired = try await web.send("POST", "/certificates/\(newer.id)/retire", form: ["csrf": csrf, "back": "/clients/\(client.id)"])
        #expect(retired.status == 303 && retired.headers["location"] == "/clients/\(client.id)?done=certificate_retired")
        let after = try await web.send("GET", "/clients/\(client.id)?done=certificate_retired")
        #expect(after.text.contains("Certificate retired") && after.text.contains("retired 20") && !after.text.contains("action=\"/certificates/\(newer.id)/retire\""))
        let api = WebClient(base: harness.base, token: try await service.createAPIToken(integrator, Fields(["name": "api"])).secret)
        let answer = try await api.send("POST", "/api/v1/certificates/\(older.id)/retire")
        #expect(answer.status == 200 && answer.json?["retired_at"] is String)
        #expect(try await api.send("POST", "/api/v1/certificates/\(older.id)/retire").status == 409)
    }

    @Test func formsComeBackWithWhatWasTypedAndTheFieldMarked() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let service = harness.admin.service
        let integrator = try await harness.admin.integrator(email: "ana@integrator.me")
        let (client, device) = try await world(harness.admin, integrator)
        let web = WebClient(base: harness.base)
        let csrf = try #require(try await web.signIn(email: "ana@integrator.me", password: AdminHarness.password))

        // A new client with a bad TIN: everything typed is back, the TIN marked.
        let newClient = try await web.send("POST", "/clients", form: ["csrf": csrf, "back": "/clients", "name": "Pekara Novi d.o.o.", "tin": "1234", "address": "Ulica 9",
                                                                      "town": "Bar", "in_vat": "true", "vat_number": "30/31-1"])
        #expect(newClient.status == 422)
        #expect(newClient.text.contains("name=\"name\" required value=\"Pekara Novi d.o.o.\"") && newClient.text.contains("value=\"Ulica 9\"") && newClient.text.contains("value=\"1234\""))
        #expect(newClient.text.contains("value=\"1234\" aria-invalid=\"true\"") && newClient.text.contains("checked aria-invalid") == false && newClient.text.contains("in_vat\" checked"))
        // A new user with a bad email: the name is back, the password is not.
        let user = try await web.send("POST", "/organizations/\(client.id)/users", form: ["csrf": csrf, "back": "/clients/\(client.id)", "email": "marko-at-example",
                                                                                         "name": "Marko Marković", "role": "client-admin", "password": "a secret passphrase"])
        #expect(user.status == 422 && user.text.contains("value=\"Marko Marković\"") && user.text.contains("value=\"marko-at-example\" aria-invalid=\"true\""))
        #expect(user.text.contains("value=\"client-admin\" selected") && !user.text.contains("a secret passphrase"))
        // The other forms of the page keep their own values (the business unit form is empty, not "Marko").
        #expect(user.text.components(separatedBy: "Marko Marković").count == 2)
        // Editing details: the typed values, not the record's.
        let edit = try await web.send("POST", "/clients/\(client.id)", form: ["csrf": csrf, "back": "/clients/\(client.id)", "name": "Renamed d.o.o.", "tin": client.tin!,
                                                                             "address": "", "town": "Kotor"])
        #expect(edit.status == 422 && edit.text.contains("<details open>") && edit.text.contains("value=\"Renamed d.o.o.\"") && edit.text.contains("id=\"e-address\" name=\"address\" required value=\"\" aria-invalid=\"true\""))
        // A device's codes: the typed (bad) code is back and marked.
        let codes = try await web.send("POST", "/devices/\(device.id)", form: ["csrf": csrf, "back": "/devices/\(device.id)", "tcr_code": "zz-1", "software_code": "ss123ss123"])
        #expect(codes.status == 422 && codes.text.contains("value=\"zz-1\" aria-invalid=\"true\""))
        // Sign-up: the company's fields are back, the password is not.
        let signup = try await WebClient(base: harness.base).send("POST", "/signup/client", form: [
            "name": "Firma d.o.o.", "tin": "7654321", "address": "Ulica 1", "town": "Bar", "contact": "Jana", "email": "jana@firma.me", "password": "a secret passphrase",
        ])
        #expect(signup.status == 422 && signup.text.contains("value=\"Jana\"") && signup.text.contains("value=\"7654321\" aria-invalid=\"true\"") && !signup.text.contains("a secret passphrase"))
        _ = service
    }

    @Test func noPageShowsNilAndEveryTimeHasOneFormatWithItsZone() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let service = harness.admin.service
        let integrator = try await harness.admin.integrator(email: "ana@integrator.me")
        let (client, device) = try await world(harness.admin, integrator)
        _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12")), password: TestMaterial.password)
        _ = try await service.createEnrolmentToken(integrator, deviceID: device.id)
        let web = WebClient(base: harness.base)
        let csrf = try #require(try await web.signIn(email: "ana@integrator.me", password: AdminHarness.password))
        var pages: [(String, String)] = []
        for path in ["/", "/clients", "/clients/\(client.id)", "/devices/\(device.id)", "/audit", "/tokens"] {
            pages.append((path, try await web.send("GET", path).text))
        }
        // An error without a field.
        pages.append(("switch", try await web.send("POST", "/devices/\(device.id)/environment", form: ["csrf": csrf, "back": "/devices/\(device.id)", "environment": "production", "confirm": "cc123cc123"]).text))
        for (path, html) in pages {
            #expect(html.range(of: #"\bnil\b"#, options: .regularExpression) == nil, "\(path) shows nil")
            #expect(html.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d"#, options: .regularExpression) == nil, "\(path) shows an ISO time")
        }
        let devicePage = pages[3].1
        #expect(devicePage.contains("Not enrolled."))
        // The checklist's certificate line and the certificate table use the same format, with the zone.
        #expect(devicePage.range(of: #"valid until \d{4}-\d\d-\d\d \d\d:\d\d CES?T"#, options: .regularExpression) != nil)
        #expect(pages[2].1.range(of: #"<td class=\"t\">\d{4}-\d\d-\d\d \d\d:\d\d CES?T</td>"#, options: .regularExpression) != nil)
        // A disabled button says why.
        #expect(devicePage.contains("disabled aria-describedby=\"switch-why\"") && devicePage.contains("Disabled until every item of the checklist above passes"))
    }

    @Test(arguments: engines) func dashboardShowsLicenseStateAndWhatNeedsAttention(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator()
        let (client, device) = try await world(harness, integrator)
        _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12")), password: TestMaterial.password)
        let quiet = try await service.dashboard(integrator)
        #expect(quiet.devices.map(\.licenseStatus) == ["none"])
        #expect(quiet.attention.map(\.kind) == [.checklist] && quiet.attention[0].message.contains("license"))

        // A license running out in ten days, a connector that reports an overdue invoice.
        let expires = FiscalDate(harness.clock.now).adding(days: 10)
        _ = try await service.issueLicense(integrator, deviceID: device.id, Fields(["expires": expires.description]))
        let token = try await service.createEnrolmentToken(integrator, deviceID: device.id)
        _ = try await service.enrol(token: token, publicKey: DeviceEnvelope.PrivateKey.generate().publicKey.base64)
        try await service.recordHeartbeat(token: token, DeviceHeartbeat(version: "1.0.0", environment: "test", pending: 2, oldestDeadline: harness.clock.now.addingTimeInterval(-600),
                                                                       certificateExpiry: nil, lastFIC: nil, lastFiscalizedAt: nil, testInvoices: 3, productionInvoices: 0))
        let busy = try await service.dashboard(integrator)
        #expect(busy.devices.map(\.licenseStatus) == ["active"])
        #expect(busy.attention.map(\.kind) == [.overdueDelivery, .license], "\(busy.attention.map(\.message))")
        #expect(busy.attention.allSatisfy { $0.deviceName == "bb123bb123 / 1" && $0.clientName == client.name })
        #expect(busy.attention[0].message.contains("2 invoices wait for delivery"))

        // Eleven days later without a report: the connector is silent and the license expired.
        harness.clock.advance(by: 11 * 86400)
        let later = try await service.dashboard(integrator)
        #expect(later.devices.map(\.licenseStatus) == ["expired"])
        #expect(later.attention.map(\.kind) == [.overdueDelivery, .noHeartbeat, .license, .checklist], "\(later.attention.map(\.message))")
        #expect(later.attention[2].message.contains("expired on \(expires)"))
    }
}
