@testable import FiscalAdmin
import FiscalCore
import FiscalTesting
import Foundation
import Synchronization
import Testing

/// What anyone on the network can try: costly files, guessing races, locking others out.
@Suite struct AbuseTests {
    static let engines = StoreEngine.available

    func code(_ body: () async throws -> Void) async -> AdminError.Code? {
        do {
            try await body()
            return nil
        } catch let error as AdminError {
            return error.code
        } catch {
            return .internal
        }
    }

    // Doing the work would hold a core for about 15 minutes: the time limit fails the test instead.
    @Test(.timeLimit(.minutes(1)), arguments: engines) func aCertificateAskingForBillionsOfIterationsIsRefusedAtOnce(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let integrator = try await harness.integrator()
        let client = try await harness.service.createClient(integrator, AdminHarness.clientFields())
        let before = try harness.rowCounts()
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await harness.service.uploadCertificate(integrator, clientID: client.id, pkcs12: HostilePKCS12.make(macIterations: Int64(Int32.max), certificateIterations: 2048, keyIterations: [2048]), password: "x")
            Issue.record("a file asking for 2^31-1 MAC iterations was accepted")
        } catch let error as AdminError {
            #expect(error.code == .invalid && error.field == "certificate")
            #expect(error.message.contains("2147483647 iterations"), "\(error.message)")
        }
        #expect(clock.now - started < .seconds(30), "refused without the work (a loaded machine still answers within seconds)")
        #expect(try harness.rowCounts() == before)
    }

    @Test(arguments: engines) func signInGoesAheadWhileCertificatesAreBeingOpened(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let integrator = try await harness.integrator(email: "ana@integrator.me")
        let client = try await harness.service.createClient(integrator, AdminHarness.clientFields())
        let gate = harness.service.certificateGate
        final class Busy: Sendable {
            let count = Mutex(0)
            let release = DispatchSemaphore(value: 0)
        }
        let busy = Busy()
        // Certificate work fills every slot of its gate, and one real upload waits behind it.
        let blockers = (0..<gate.limit).map { _ in
            Task { try await gate.run { busy.count.withLock { $0 += 1 }; busy.release.wait() } }
        }
        while busy.count.withLock({ $0 }) < gate.limit { try await Task.sleep(for: .milliseconds(5)) }
        let upload = Task {
            try await harness.service.uploadCertificate(integrator, clientID: client.id, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12")), password: TestMaterial.password)
        }
        let signedIn = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await harness.service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "10.0.0.1")) != nil }
            group.addTask { try? await Task.sleep(for: .seconds(10)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        for _ in blockers { busy.release.signal() }
        for blocker in blockers { try await blocker.value }
        #expect(signedIn, "the sign-in waited for certificate work")
        #expect(try await upload.value.tin == "12345678")
    }

    @Test(arguments: engines) func concurrentGuessesGetNoMoreThanTheFreeAttempts(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        _ = try await harness.integrator(email: "ana@integrator.me")
        let service = harness.service
        let outcomes = await withTaskGroup(of: AdminError.Code?.self) { group in
            for index in 0..<60 {
                group.addTask { await code { _ = try await service.signIn(email: "ana@integrator.me", password: "guess number \(index)", address: "198.51.100.7") } }
            }
            return await group.reduce(into: [AdminError.Code?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .unauthenticated }.count <= 5, "every checked password is a guess: \(outcomes)")
        #expect(outcomes.filter { $0 == .throttled }.count >= 55)
    }

    @Test(arguments: engines) func failuresFromOneAddressDoNotLockTheOwnerOutElsewhere(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        _ = try await harness.integrator(email: "ana@integrator.me")
        let service = harness.service
        for _ in 0..<8 {
            _ = await code { _ = try await service.signIn(email: "ana@integrator.me", password: "guess guess", address: "198.51.100.7") }
        }
        #expect(await code { _ = try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "198.51.100.7") } == .throttled)
        let session = try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "203.0.113.5")
        #expect(session.principal.email == "ana@integrator.me")
        #expect(await code { _ = try await service.signIn(email: "ana@integrator.me", password: "guess guess", address: "198.51.100.7") } == .throttled, "the owner's success does not free the attacker")
    }

    @Test(arguments: engines) func aSprayAcrossAccountsFromOneAddressIsThrottled(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        _ = try await harness.integrator(email: "ana@integrator.me")
        let service = harness.service
        var outcomes: [AdminError.Code?] = []
        for index in 0..<10 {
            outcomes.append(await code { _ = try await service.signIn(email: "user\(index)@integrator.me", password: "Summer2026!!", address: "198.51.100.7") })
        }
        #expect(outcomes.prefix(5).allSatisfy { $0 == .unauthenticated })
        #expect(outcomes.dropFirst(5).allSatisfy { $0 == .throttled })
        #expect(await code { _ = try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "198.51.100.7") } == .throttled)
        _ = try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "203.0.113.5")
    }

    @Test(arguments: engines) func aPasswordChangeCanRevokeEveryAPIToken(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let ana = try await harness.integrator(email: "ana@integrator.me")
        let service = harness.service
        let (_, kept) = try await service.createAPIToken(ana, Fields(["name": "kept"]))
        try await service.changePassword(ana, Fields(["current_password": AdminHarness.password, "new_password": "second long passphrase"]))
        #expect(try await service.principal(apiToken: kept) == ana, "without the choice, tokens stay")
        let (_, leaked) = try await service.createAPIToken(ana, Fields(["name": "leaked"]))
        try await service.changePassword(ana, Fields(["current_password": "second long passphrase", "new_password": "third long passphrase", "revoke_api_tokens": "true"]))
        #expect(try await service.principal(apiToken: kept) == nil)
        #expect(try await service.principal(apiToken: leaked) == nil)
        #expect(try await service.apiTokens(ana).allSatisfy { $0.revokedAt != nil })
        #expect(try await service.auditLog(ana).filter { $0.action == "api_token.revoke" }.count == 2)
    }
    @Test(arguments: engines) func aSelfSignedCertificateIsRefusedByName(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let integrator = try await harness.integrator()
        let client = try await harness.service.createClient(integrator, AdminHarness.clientFields())
        let forged = try CertificateFactory.mint(.init(organization: "Kafana Primjer d.o.o.", organizationIdentifier: "VATME-12345678", commonName: "Kafana Pecat"), password: "forged pass")
        let before = try harness.rowCounts()
        do {
            _ = try await harness.service.uploadCertificate(integrator, clientID: client.id, pkcs12: forged.pkcs12, password: "forged pass")
            Issue.record("a self-signed certificate was accepted")
        } catch let error as AdminError {
            #expect(error.code == .invalid && error.field == "certificate")
            #expect(error.message.contains("not a trusted certificate authority"), "\(error.message)")
        }
        #expect(try harness.rowCounts() == before)
    }

    @Test func theTrustedCAsComeFromTheCommandLineOrTheDataFolder() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fiscal-admin-ca-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let modern = try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))
        var setup = AdminSetup()
        setup.dataDirectory = folder
        let untrusting = try setup.open(environment: [:])
        #expect(untrusting.notes.contains { $0.contains("--trusted-ca") })
        let integrator = try await Self.integrator(untrusting.service)
        let client = try await untrusting.service.createClient(integrator, AdminHarness.clientFields())
        await #expect { try await untrusting.service.uploadCertificate(integrator, clientID: client.id, pkcs12: modern, password: TestMaterial.password) } throws: { error in
            (error as? AdminError)?.message.contains("--trusted-ca") == true
        }
        setup.trustedCAFiles = [TestMaterial.certificate("test-root-ca.pem")]
        let trusting = try setup.open(environment: [:])
        #expect(try await trusting.service.uploadCertificate(integrator, clientID: client.id, pkcs12: modern, password: TestMaterial.password).tin == "12345678")
        // The same from the data folder.
        try FileManager.default.copyItem(atPath: TestMaterial.certificate("test-root-ca.pem"), toPath: folder + "/trusted-ca.pem")
        setup.trustedCAFiles = []
        #expect(try await setup.open(environment: [:]).service.uploadCertificate(integrator, clientID: client.id, pkcs12: modern, password: TestMaterial.password).tin == "12345678")
        // A leaf certificate is no CA.
        setup.trustedCAFiles = [TestMaterial.certificate("taxpayer.pem")]
        #expect(throws: CertificateError.self) { try setup.open(environment: [:]) }
    }

    static func integrator(_ service: AdminService) async throws -> Principal {
        _ = try await service.signUp(Fields(["kind": "integrator", "organization": "I", "name": "A", "email": "ana@integrator.me", "password": AdminHarness.password]))
        return try await service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "127.0.0.1").principal
    }
    @Test(arguments: engines) func controlAndDirectionCharactersAreRefusedByField(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let integrator = try await harness.integrator()
        let service = harness.service
        let before = try harness.rowCounts()
        for (field, value) in [("name", "Kafana\u{202E}gpj.exe"), ("address", "Ulica 1\u{0}"), ("town", "Bar\u{2067}"), ("vat_number", "30/31\u{1B}[2J")] {
            var fields = AdminHarness.clientFields()
            fields.values[field] = value
            do {
                _ = try await service.createClient(integrator, fields)
                Issue.record("\(field) with \(value.unicodeScalars.map { String($0.value, radix: 16) }) was stored")
            } catch let error as AdminError {
                #expect(error.code == .invalid && error.field == field, "\(error.message)")
            }
        }
        #expect(try harness.rowCounts() == before)
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        let unit = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "bb123bb123", "name": "Shop"]))
        await #expect { _ = try await service.createDevice(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "internal_id": "1\u{202D}"])) } throws: { error in
            (error as? AdminError)?.field == "internal_id"
        }
        let device = try await service.createDevice(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "internal_id": "1", "tcr_code": "cc123cc123",
                                                                                           "software_code": "ss123ss123", "operator_code": "oo123oo123"]))
        let token = try await service.createEnrolmentToken(integrator, deviceID: device.id)
        _ = try await service.enrol(token: token, publicKey: DeviceEnvelope.PrivateKey.generate().publicKey.base64)
        let report = DeviceHeartbeat(version: "1.0\u{202E}0.9", environment: "test", pending: 0, oldestDeadline: nil, certificateExpiry: nil, lastFIC: nil, lastFiscalizedAt: nil,
                                     testInvoices: 0, productionInvoices: 0)
        await #expect { try await service.recordHeartbeat(token: token, report) } throws: { error in (error as? AdminError)?.field == "version" }
        #expect(try await service.deviceDetails(integrator, id: device.id).device.heartbeat == nil)
    }
    @Test(arguments: engines) func aSelfRegisteredTINStaysUnverifiedUntilProvenAndRevealsNothing(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        func signUp(_ email: String) async throws -> Principal {
            var fields = AdminHarness.clientFields(name: "Squat \(email.prefix(3)) d.o.o.")
            fields.values.merge(["kind": "client", "contact": "C", "email": email, "password": AdminHarness.password]) { $1 }
            _ = try await service.signUp(fields)
            return try await service.signIn(email: email, password: AdminHarness.password, address: "10.1.1.\(email.count)").principal
        }
        // The integrator registers the real company; two strangers then sign up with its TIN: both
        // are let in, unverified, and nobody learns that the TIN is registered.
        let integrator = try await harness.integrator(email: "ana@integrator.me")
        let real = try await service.createClient(integrator, AdminHarness.clientFields())
        #expect(real.verified)
        let squatter = try await signUp("squatter@evil.me")
        let other = try await signUp("other@evil.me")
        let squatted = try await service.client(squatter, id: squatter.organizationID)
        #expect(!squatted.verified)
        #expect(try await service.clients(squatter).map(\.id) == [squatter.organizationID])
        // Unverified: no production, and naming the integrator is not enough to be licensed.
        let unit = try await service.createBusinessUnit(squatter, clientID: squatter.organizationID, Fields(["code": "bb123bb123", "name": "Shop"]))
        let device = try await service.createDevice(squatter, clientID: squatter.organizationID, Fields(["business_unit_id": unit.id, "internal_id": "1"]))
        #expect(try await service.deviceDetails(squatter, id: device.id).checklist.failures.map(\.check).contains(.companyVerified))
        // Its certificate would prove the TIN, but a verified company holds it: the upload is refused.
        await #expect { _ = try await service.uploadCertificate(squatter, clientID: squatter.organizationID, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12")), password: TestMaterial.password) } throws: { error in
            (error as? AdminError)?.code == .conflict && (error as? AdminError)?.message.contains(real.name) == false
        }
        // Accepting a squatter's invitation is refused too; the TIN is the real company's.
        let invitation = try await service.inviteIntegrator(other, clientID: other.organizationID, Fields(["integrator_email": "ana@integrator.me"]))
        await #expect { _ = try await service.decideInvitation(integrator, id: invitation.id, accept: true) } throws: { error in (error as? AdminError)?.code == .conflict }
        #expect(try await !service.client(other, id: other.organizationID).verified)

        // A company that registers itself first is verified by its certificate, and gets licenses.
        let second = try AdminHarness(engine)
        let company = try await {
            var fields = AdminHarness.clientFields()
            fields.values.merge(["kind": "client", "contact": "C", "email": "owner@kafana.me", "password": AdminHarness.password]) { $1 }
            _ = try await second.service.signUp(fields)
            return try await second.service.signIn(email: "owner@kafana.me", password: AdminHarness.password, address: "10.2.2.2").principal
        }()
        #expect(try await !second.service.client(company, id: company.organizationID).verified)
        _ = try await second.service.uploadCertificate(company, clientID: company.organizationID, pkcs12: try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12")), password: TestMaterial.password)
        #expect(try await second.service.client(company, id: company.organizationID).verified)
        #expect(try await second.service.auditLog(company).contains { $0.action == "client.verify" })
        // An integrator may still register that TIN while the company is unverified elsewhere, but not once it is proven.
        let later = try await second.integrator(email: "marko@integrator.me")
        await #expect { _ = try await second.service.createClient(later, AdminHarness.clientFields()) } throws: { error in
            (error as? AdminError)?.field == "tin" && (error as? AdminError)?.message.contains("Kafana") == false
        }
    }

    @Test(arguments: engines) func anUnverifiedCompanyGetsNoLicense(engine: StoreEngine) async throws {
        let harness = try AdminHarness(engine)
        let service = harness.service
        let integrator = try await harness.integrator(email: "ana@integrator.me")
        // The squatter came first; the integrator registers the same TIN (allowed), and licenses its own client only.
        var fields = AdminHarness.clientFields(name: "Squat d.o.o.")
        fields.values.merge(["kind": "client", "contact": "C", "email": "squatter@evil.me", "password": AdminHarness.password]) { $1 }
        _ = try await service.signUp(fields)
        let real = try await service.createClient(integrator, AdminHarness.clientFields())
        let unit = try await service.createBusinessUnit(integrator, clientID: real.id, Fields(["code": "bb123bb123", "name": "Shop"]))
        let codes = ["business_unit_id": unit.id, "internal_id": "1", "tcr_code": "cc123cc123", "software_code": "ss123ss123", "maintainer_code": "mm123mm123", "operator_code": "oo123oo123"]
        let device = try await service.createDevice(integrator, clientID: real.id, Fields(codes))
        _ = try await service.issueLicense(integrator, deviceID: device.id, Fields())
        // Were the company unverified, no license: the state set directly, as no route unverifies a company.
        _ = try harness.test.database.transactionBlocking { try $0.query("UPDATE organization SET verified = 0 WHERE id = ?", [.text(real.id)]) }
        await #expect { _ = try await service.issueLicense(integrator, deviceID: device.id, Fields()) } throws: { error in
            (error as? AdminError)?.code == .conflict && (error as? AdminError)?.message.contains("not proven its TIN") == true
        }
        #expect(try await service.deviceDetails(integrator, id: device.id).checklist.failures.map(\.check).contains(.companyVerified))
    }
}

/// A connection that sends half a request and then nothing is closed after the read timeout.
@Suite struct ReadTimeoutTests {
    @Test(arguments: [
        "GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        "POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=a",
    ])
    func aSilentHalfSentRequestIsClosed(start: String) async throws {
        let harness = try await AdminServerHarness.start(.sqlite, readTimeout: .seconds(1))
        defer { Task { await harness.stop() } }
        let seconds = await BlockingWorkers.shared.run { HalfSentRequest.secondsUntilClosed(port: harness.port, sending: start, limit: 10) }
        #expect(seconds != nil, "the connection stayed open for 10 s")
        #expect((seconds ?? 99) < 5)
    }
}

/// A page on another site cannot sign a visitor in (login CSRF) nor submit our forms.
@Suite struct CrossSiteFormTests {
    @Test func theSignInFormNeedsItsTokenAndOurOrigin() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        _ = try await harness.admin.integrator(email: "ana@integrator.me")
        let browser = WebClient(base: harness.base)
        // Without the token the sign-in page set (a form posted from elsewhere), no session.
        let forged = try await browser.send("POST", "/signin", form: ["email": "ana@integrator.me", "password": AdminHarness.password, "next": "/"])
        #expect(forged.status == 403 && forged.text.contains("sign in again on this page"))
        #expect(forged.headers["set-cookie"]?.contains(AdminServer.sessionCookie) != true)
        // The right token, sent from a foreign page: refused by its Origin, and by its Referer.
        let foreignOrigin = try await browser.submitSignIn(email: "ana@integrator.me", password: AdminHarness.password, headers: ["Origin": "https://evil.example"])
        #expect(foreignOrigin.status == 403)
        let foreignReferer = try await browser.submitSignIn(email: "ana@integrator.me", password: AdminHarness.password, headers: ["Referer": "https://evil.example/login.html"])
        #expect(foreignReferer.status == 403)
        // From our own page it works.
        let own = try await browser.submitSignIn(email: "ana@integrator.me", password: AdminHarness.password, headers: ["Origin": harness.base])
        #expect(own.status == 303)
        // A signed-in form from another origin is refused even with the session's CSRF token.
        let csrf = try #require(try await browser.send("GET", "/").csrf)
        let crossSite = try await browser.send("POST", "/clients", form: ["csrf": csrf, "name": "X d.o.o.", "tin": "55555555", "address": "A 1", "town": "Bar"],
                                               headers: ["Origin": "https://evil.example"])
        #expect(crossSite.status == 403)
        #expect(try await harness.admin.service.clients(try await harness.admin.service.signIn(email: "ana@integrator.me", password: AdminHarness.password, address: "x").principal).isEmpty)
    }
}
