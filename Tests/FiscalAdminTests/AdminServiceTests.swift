import FiscalAdmin
import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// The back office's behaviour, run on every store engine: what SQLite does, PostgreSQL does too.
@Suite struct AdminServiceTests {
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

    @Test(arguments: engines) func migratesOnceAndAgainWithoutChange(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let integrator = try await harness.integrator()
        // A second service on the same database finds the schema in place and the data intact.
        let again = try AdminService(database: harness.test.database, masterKey: .generate(), licenseKey: harness.licenseKey)
        #expect(try await again.clients(integrator).isEmpty)
        let version = try harness.test.database.transactionBlocking { try $0.queryOne("SELECT MAX(version) AS v FROM schema_version")?.integer("v") }
        #expect(version == 4)
    }

    @Test(arguments: engines) func signUpValidatesAndRefusesDuplicates(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        _ = try await harness.integrator(email: "ana@integrator.me")
        let before = try harness.rowCounts()
        let base = ["kind": "integrator", "organization": "Other", "name": "Marko", "email": "marko@other.me", "password": AdminHarness.password]
        func with(_ changes: [String: String]) -> Fields { Fields(base.merging(changes) { $1 }) }
        await expectError(.conflict, field: "email") { _ = try await service.signUp(with(["email": "ANA@integrator.me"])) }
        await expectError(.weakPassword, field: "password") { _ = try await service.signUp(with(["password": "short"])) }
        await expectError(.invalid, field: "email") { _ = try await service.signUp(with(["email": "not-an-address"])) }
        await expectError(.invalid, field: "kind") { _ = try await service.signUp(with(["kind": "reseller"])) }
        await expectError(.invalid, field: "organization") { _ = try await service.signUp(with(["organization": " "])) }
        await expectError(.invalid, field: "tin") { _ = try await service.signUp(with(["kind": "client", "name": "Firma", "tin": "1234", "address": "a", "town": "b", "contact": "c"])) }
        #expect(try harness.rowCounts() == before)
    }

    @Test(arguments: engines) func signInIsThrottledAndSessionsEnd(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        _ = try await harness.integrator(email: "ana@integrator.me")
        for _ in 0..<5 {
            await expectError(.unauthenticated) { _ = try await service.signIn(email: "ana@integrator.me", password: "wrong password!", address: "10.0.0.1") }
        }
        await expectError(.throttled) { _ = try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "10.0.0.1") }
        harness.clock.advance(by: 60)
        let session = try await service.signIn(email: " Ana@Integrator.me ", password: AdminHarness.password, address: "10.0.0.1")
        #expect(try await service.session(token: session.token)?.principal.email == "ana@integrator.me")
        #expect(try await service.session(token: "fs_forged") == nil)
        harness.clock.advance(by: 13 * 3600)
        #expect(try await service.session(token: session.token) == nil)
        // A changed password ends the other sessions and the old password.
        let first = try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "10.0.0.1")
        let second = try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "10.0.0.1")
        try await service.changePassword(first.principal, Fields(["current_password": AdminHarness.password, "new_password": "another long passphrase"]), keepSession: first.token)
        #expect(try await service.session(token: first.token) != nil)
        #expect(try await service.session(token: second.token) == nil)
        await expectError(.unauthenticated) { _ = try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "10.0.0.1") }
        _ = try await service.signIn(email: "ana@integrator.me", password: "another long passphrase", address: "10.0.0.1")
        #expect(try await service.auditLog(first.principal).contains { $0.action == "account.change_password" && $0.after == nil })
        // Signing in to one's own account does not reset the failures an address made against others.
        _ = try await harness.integrator(email: "mine@integrator.me")
        for _ in 0..<4 {
            await expectError(.unauthenticated) { _ = try await service.signIn(email: "ana@integrator.me", password: "guess guess guess", address: "10.9.9.9") }
        }
        _ = try await service.signIn(email: "mine@integrator.me", password: AdminHarness.password, address: "10.9.9.9")
        await expectError(.unauthenticated) { _ = try await service.signIn(email: "ana@integrator.me", password: "guess guess guess", address: "10.9.9.9") }
        await expectError(.throttled) { _ = try await service.signIn(email: "mine@integrator.me", password: AdminHarness.password, address: "10.9.9.9") }
        // An unknown account is refused the same way.
        await expectError(.unauthenticated) { _ = try await service.signIn(email: "nobody@nowhere.me", password: AdminHarness.password, address: "10.0.0.3") }
    }

    @Test(arguments: engines) func apiTokensAuthenticateUntilRevoked(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let integrator = try await harness.integrator()
        let (token, secret) = try await harness.service.createAPIToken(integrator, Fields(["name": "billing sync"]))
        #expect(try await harness.service.principal(apiToken: secret) == integrator)
        #expect(try await harness.service.principal(apiToken: "fat_unknown") == nil)
        _ = try await harness.service.revokeAPIToken(integrator, id: token.id)
        #expect(try await harness.service.principal(apiToken: secret) == nil)
        await expectError(.conflict) { _ = try await harness.service.revokeAPIToken(integrator, id: token.id) }
        let other = try await harness.integrator("Other")
        await expectError(.notFound) { _ = try await harness.service.revokeAPIToken(other, id: token.id) }
    }

    @Test(arguments: engines) func clientsAreValidatedAndInvisibleToOtherTenants(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator()
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        #expect(client.administratorID == integrator.organizationID)
        #expect(client.tin == "12345678")
        let before = try harness.rowCounts()
        var fields = AdminHarness.clientFields(tin: "87654321")
        fields.values["tin"] = "12-345"
        await expectError(.invalid, field: "tin") { _ = try await service.createClient(integrator, fields) }
        fields = AdminHarness.clientFields(tin: "87654321")
        fields.values["in_vat"] = "false"
        await expectError(.invalid, field: "vat_number") { _ = try await service.createClient(integrator, fields) }
        fields = AdminHarness.clientFields(tin: "87654321")
        fields.values["address"] = nil
        await expectError(.invalid, field: "address") { _ = try await service.createClient(integrator, fields) }
        fields = AdminHarness.clientFields(tin: "87654321")
        fields.values["name"] = String(repeating: "x", count: 201)
        await expectError(.invalid, field: "name") { _ = try await service.createClient(integrator, fields) }
        await expectError(.conflict, field: "tin") { _ = try await service.createClient(integrator, AdminHarness.clientFields()) }
        #expect(try harness.rowCounts() == before)

        let other = try await harness.integrator("Other integrator")
        let withOther = try harness.rowCounts()
        #expect(try await service.clients(other).isEmpty)
        await expectError(.notFound) { _ = try await service.client(other, id: client.id) }
        await expectError(.notFound) { _ = try await service.updateClient(other, id: client.id, AdminHarness.clientFields()) }
        await expectError(.notFound) { _ = try await service.businessUnits(other, clientID: client.id) }
        #expect(try harness.rowCounts() == withOther)
    }

    @Test(arguments: engines) func selfRegisteredClientInvitesItsIntegrator(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator(email: "ana@integrator.me")
        var signUp = AdminHarness.clientFields(tin: "02345678")
        signUp.values.merge(["kind": "client", "contact": "Mira", "email": "mira@kafana.me", "password": AdminHarness.password]) { $1 }
        _ = try await service.signUp(signUp)
        let clientAdmin = try await service.signIn(email: "mira@kafana.me", password: AdminHarness.password, address: "a").principal
        #expect(clientAdmin.role == .clientAdmin)
        #expect(try await service.clients(integrator).isEmpty)
        await expectError(.invalid, field: "integrator_email") {
            _ = try await service.inviteIntegrator(clientAdmin, clientID: clientAdmin.organizationID, Fields(["integrator_email": "nobody@x.me"]))
        }
        let invitation = try await service.inviteIntegrator(clientAdmin, clientID: clientAdmin.organizationID, Fields(["integrator_email": "ana@integrator.me"]))
        await expectError(.conflict) { _ = try await service.inviteIntegrator(clientAdmin, clientID: clientAdmin.organizationID, Fields(["integrator_email": "ana@integrator.me"])) }
        let stranger = try await harness.integrator("Stranger")
        await expectError(.notFound) { _ = try await service.decideInvitation(stranger, id: invitation.id, accept: true) }
        await expectError(.forbidden) { _ = try await service.decideInvitation(clientAdmin, id: invitation.id, accept: true) }
        let accepted = try await service.decideInvitation(integrator, id: invitation.id, accept: true)
        #expect(accepted.state == .accepted)
        #expect(try await service.clients(integrator).map(\.id) == [clientAdmin.organizationID])
        await expectError(.conflict) { _ = try await service.decideInvitation(integrator, id: invitation.id, accept: false) }
        // The client cannot create other clients; the integrator cannot be invited twice.
        await expectError(.forbidden) { _ = try await service.createClient(clientAdmin, AdminHarness.clientFields(tin: "99999999")) }
        await expectError(.conflict) { _ = try await service.inviteIntegrator(clientAdmin, clientID: clientAdmin.organizationID, Fields(["integrator_email": "ana@integrator.me"])) }
        let log = try await service.auditLog(integrator)
        #expect(log.contains { $0.action == "client.set_administrator" && $0.before?.contains("\"administrator_id\"") == false && $0.after?.contains(integrator.organizationID) == true })
    }

    @Test(arguments: engines) func devicesLicensesAndBulkCreation(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator()
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        await expectError(.invalid, field: "code") { _ = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "AB123", "name": "Shop"])) }
        let unit = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "bb123bb123", "name": "Shop"]))
        await expectError(.conflict, field: "code") { _ = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "bb123bb123", "name": "Again"])) }
        let device = try await service.createDevice(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "internal_id": "1", "software_code": "ss123ss123"]))
        #expect(device.environment == .test && device.state == .active && device.businessUnitCode == "bb123bb123")
        let before = try harness.rowCounts()
        await expectError(.conflict, field: "first_internal_id") {
            _ = try await service.createDevices(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "count": "3"]))
        }
        await expectError(.invalid, field: "count") { _ = try await service.createDevices(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "count": "501"])) }
        await expectError(.invalid, field: "software_code") {
            _ = try await service.createDevices(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "count": "2", "software_code": "nope"]))
        }
        await expectError(.invalid, field: "business_unit_id") { _ = try await service.createDevice(integrator, clientID: client.id, Fields(["business_unit_id": "x", "internal_id": "9"])) }
        #expect(try harness.rowCounts() == before)
        let bulk = try await service.createDevices(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "count": "25", "first_internal_id": "2", "software_code": "ss123ss123"]))
        #expect(bulk.count == 25 && bulk.map(\.internalID).last == "26")
        #expect(try await service.devices(integrator, clientID: client.id).count == 26)

        await expectError(.invalid, field: "tcr_code") { _ = try await service.issueLicense(integrator, deviceID: device.id, Fields()) }
        _ = try await service.updateDevice(integrator, id: device.id, Fields(["tcr_code": "cc123cc123", "operator_code": "oo123oo123", "software_code": "ss123ss123", "maintainer_code": "mm123mm123"]))
        await expectError(.conflict, field: "tcr_code") { _ = try await service.updateDevice(integrator, id: bulk[0].id, Fields(["tcr_code": "cc123cc123"])) }
        await expectError(.invalid, field: "expires") { _ = try await service.issueLicense(integrator, deviceID: device.id, Fields(["expires": "2001-01-01"])) }
        await expectError(.invalid, field: "environments") { _ = try await service.issueLicense(integrator, deviceID: device.id, Fields(["environments": "staging"])) }
        let license = try await service.issueLicense(integrator, deviceID: device.id, Fields(["environments": "test"]))
        await expectError(.conflict, field: "tcr_code") { _ = try await service.updateDevice(integrator, id: device.id, Fields(["tcr_code": "ee123ee123"])) }
        let verified = try License.verify(license.token, trustedKeys: [harness.licenseKey.publicKey])
        #expect(verified.tin == "12345678" && verified.device == "cc123cc123" && verified.businessUnit == "bb123bb123" && verified.environments == ["test"])
        await expectError(.invalid, field: "expires") {
            _ = try await service.renewLicense(integrator, id: license.id, Fields(["expires": FiscalDate(harness.clock.now).adding(days: 30).description]))
        }
        let renewed = try await service.renewLicense(integrator, id: license.id, Fields(["environments": "test,production"]))
        #expect(renewed.expires == license.expires.adding(days: 366))
        let details = try await service.deviceDetails(integrator, id: device.id)
        #expect(details.licenses.map(\.id) == [renewed.id, license.id])
        #expect(details.licenses[1].revokedAt != nil)
        let toml = try await service.connectorConfiguration(integrator, deviceID: device.id)
        #expect(toml.contains("token = \"\(renewed.token)\"") && toml.contains("tcr_code = \"cc123cc123\"") && toml.contains("environment = \"test\""))
        _ = try await service.revokeLicense(integrator, id: renewed.id)
        #expect(try await !service.connectorConfiguration(integrator, deviceID: device.id).contains("token = "))
        await expectError(.conflict) { _ = try await service.renewLicense(integrator, id: renewed.id, Fields()) }
    }

    @Test(arguments: engines) func certificatesAreCheckedAndSealed(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator()
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        let modern = try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))
        let before = try harness.rowCounts()
        await expectError(.invalid, field: "password") { _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: modern, password: "wrong") }
        await expectError(.invalid, field: "certificate") {
            _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("other-tin.p12")), password: TestMaterial.password)
        }
        await expectError(.invalid, field: "certificate") {
            _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("expired.p12")), password: TestMaterial.password)
        }
        await expectError(.invalid, field: "certificate") {
            _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: Array("not a certificate".utf8), password: TestMaterial.password)
        }
        await expectError(.tooLarge, field: "certificate") {
            _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: [UInt8](repeating: 0x30, count: 64 * 1024 + 1), password: TestMaterial.password)
        }
        #expect(try harness.rowCounts() == before)
        for file in ["taxpayer-legacy.p12", "taxpayer-3des.p12", "taxpayer-modern.p12"] {
            let record = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: try TestMaterial.bytes(TestMaterial.certificate(file)), password: TestMaterial.password)
            #expect(record.tin == "12345678")
        }
        #expect(try await service.certificates(integrator, clientID: client.id).count == 3)
        await expectError(.conflict, field: "tin") { _ = try await service.updateClient(integrator, id: client.id, AdminHarness.clientFields(tin: "76543210")) }
        // The database holds no password and no readable key.
        let stored = try harness.test.database.transactionBlocking { try $0.query("SELECT sealed FROM certificate", []).map { try $0.text("sealed") } }
        for sealed in stored {
            let bytes = Data(base64Encoded: sealed)!
            #expect(bytes.prefix(4) == Data("FMK1".utf8))
            #expect(String(decoding: bytes, as: UTF8.self).contains(TestMaterial.password) == false)
        }
        // Expiry warnings: the test seal is valid until 2036-12-31.
        harness.clock.set(ISO8601DateFormatter().date(from: "2036-12-20T12:00:00Z")!)
        #expect(try await service.certificateWarnings(integrator).first?.warning == .days15)
    }

    @Test(arguments: engines) func productionSwitchNeedsAGreenChecklistAndConfirmation(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator()
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        let unit = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "bb123bb123", "name": "Shop"]))
        let device = try await service.createDevice(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "internal_id": "1"]))
        let red = try await service.deviceDetails(integrator, id: device.id).checklist
        #expect(Set(red.failures.map(\.check)) == [.certificateValid, .certificateTIN, .registrationCodes, .licenseAllowsProduction, .testInvoice])
        let before = try harness.rowCounts()
        await expectError(.checklist) { _ = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "production", "confirm": "1"])) }
        #expect(try harness.rowCounts() == before)

        // Every code, the operator's too, is needed for a license and for the checklist.
        _ = try await service.updateDevice(integrator, id: device.id, Fields(["tcr_code": "cc123cc123", "software_code": "ss123ss123", "maintainer_code": "mm123mm123"]))
        await expectError(.invalid, field: "operator_code") { _ = try await service.issueLicense(integrator, deviceID: device.id, Fields()) }
        #expect(try await service.deviceDetails(integrator, id: device.id).checklist.failures.first { $0.check == .registrationCodes }?.detail.contains("operator code is missing") == true)
        _ = try await service.updateDevice(integrator, id: device.id, Fields(["operator_code": "oo123oo123"]))
        _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12")), password: TestMaterial.password)
        _ = try await service.issueLicense(integrator, deviceID: device.id, Fields(["environments": "test"]))
        #expect(try await service.deviceDetails(integrator, id: device.id).checklist.failures.map(\.check) == [.licenseAllowsProduction, .testInvoice])
        _ = try await service.issueLicense(integrator, deviceID: device.id, Fields())
        // No report of a test invoice, no switch: not before the connector reports, nor while it reports none.
        #expect(try await service.deviceDetails(integrator, id: device.id).checklist.failures.map(\.check) == [.testInvoice])
        await expectError(.checklist) { _ = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "production", "confirm": "cc123cc123"])) }
        let token = try await service.createEnrolmentToken(integrator, deviceID: device.id)
        _ = try await service.enrol(token: token, publicKey: DeviceEnvelope.PrivateKey.generate().publicKey.base64)
        func report(tests: Int) -> DeviceHeartbeat {
            DeviceHeartbeat(version: "1.0.0", environment: "test", pending: 0, oldestDeadline: nil, certificateExpiry: nil, lastFIC: nil, lastFiscalizedAt: nil,
                            testInvoices: tests, productionInvoices: 0)
        }
        try await service.recordHeartbeat(token: token, report(tests: 0))
        await expectError(.checklist) { _ = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "production", "confirm": "cc123cc123"])) }
        try await service.recordHeartbeat(token: token, report(tests: 1))
        let green = try await service.deviceDetails(integrator, id: device.id).checklist
        #expect(green.isGreen)
        #expect(green.items.allSatisfy { $0.status == .passed })

        await expectError(.checklist, field: "confirm") { _ = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "production"])) }
        await expectError(.invalid, field: "environment") { _ = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "live", "confirm": "cc123cc123"])) }
        let viewer = try await service.createUser(integrator, organizationID: client.id, Fields(["email": "view@kafana.me", "name": "V", "role": "client-viewer", "password": AdminHarness.password]))
        let viewerPrincipal = try await service.signIn(email: viewer.email, password: AdminHarness.password, address: "v").principal
        await expectError(.forbidden) { _ = try await service.switchEnvironment(viewerPrincipal, id: device.id, Fields(["environment": "production", "confirm": "cc123cc123"])) }
        let live = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "production", "confirm": "cc123cc123"]))
        #expect(live.environment == .production)
        await expectError(.conflict, field: "tcr_code") { _ = try await service.updateDevice(integrator, id: device.id, Fields(["tcr_code": "dd123dd123"])) }
        let back = try await service.switchEnvironment(integrator, id: device.id, Fields(["environment": "test", "confirm": "cc123cc123"]))
        #expect(back.environment == .test)
        let switches = try await service.auditLog(integrator).filter { $0.action == "device.switch_environment" }
        #expect(switches.count == 2)
        #expect(switches[0].before?.contains("\"environment\":\"production\"") == true && switches[0].after?.contains("\"environment\":\"test\"") == true)
        #expect(switches[0].actor == integrator.email)
    }

    @Test(arguments: engines) func enrolmentSealsTheCertificateToTheDeviceAndRecordsHeartbeats(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator()
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        let unit = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "bb123bb123", "name": "Shop"]))
        let device = try await service.createDevice(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "internal_id": "1", "tcr_code": "cc123cc123", "software_code": "ss123ss123", "operator_code": "oo123oo123"]))
        let token = try await service.createEnrolmentToken(integrator, deviceID: device.id)
        let key = DeviceEnvelope.PrivateKey.generate()
        await expectError(.unauthenticated) { _ = try await service.enrol(token: "fdt_wrong", publicKey: key.publicKey.base64) }
        await expectError(.invalid, field: "public_key") { _ = try await service.enrol(token: token, publicKey: "AAAA") }
        let first = try await service.enrol(token: token, publicKey: key.publicKey.base64)
        // The token enrols one key only: someone who learns it later gets nothing sealed to theirs.
        await expectError(.conflict) { _ = try await service.enrol(token: token, publicKey: DeviceEnvelope.PrivateKey.generate().publicKey.base64) }
        #expect(first.certificate == nil && first.licenseToken == nil && first.environment == "test")
        _ = try await service.uploadCertificate(integrator, clientID: client.id, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12")), password: TestMaterial.password)
        let second = try await service.profile(token: token)
        #expect(second.revision != first.revision)
        let envelope = try #require(second.certificate)
        let opened = try DeviceEnvelope.open([UInt8](Data(base64Encoded: envelope.envelope)!), with: key, context: DeviceProfile.certificateContext(deviceID: device.id))
        let bundle = try FiscalJSON.decoder().decode(DeviceProfile.CertificateBundle.self, from: Data(opened))
        #expect(bundle.password == TestMaterial.password)
        _ = try SigningIdentity(pkcs12: [UInt8](Data(base64Encoded: bundle.pkcs12)!), password: bundle.password)
        // Sealed afresh each time, but the revision stays while nothing changes.
        let third = try await service.profile(token: token)
        #expect(third.revision == second.revision && third.certificate?.envelope != second.certificate?.envelope)

        let report = DeviceHeartbeat(version: "1.0.0", environment: "test", pending: 2, oldestDeadline: harness.clock.now.addingTimeInterval(3600), certificateExpiry: nil,
                                     lastFIC: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", lastFiscalizedAt: harness.clock.now, testInvoices: 3, productionInvoices: 0)
        try await service.recordHeartbeat(token: token, report)
        try await service.recordHeartbeat(token: token, report)
        let shown = try await service.allDevices(integrator).first { $0.device.id == device.id }
        #expect(shown?.device.heartbeat?.report.pending == 2 && shown?.device.heartbeat?.report.testInvoices == 3)
        #expect(try await service.deviceDetails(integrator, id: device.id).checklist.items.first { $0.check == .testInvoice }?.status == .passed)

        // A new token cuts off the old one.
        _ = try await service.createEnrolmentToken(integrator, deviceID: device.id)
        await expectError(.unauthenticated) { _ = try await service.profile(token: token) }
    }
}
