import FiscalAdmin
import FiscalCore
import FiscalTesting
import HTTPTypes
import Foundation
import Testing

/// fiscal-admin's JSON API answers exactly what its OpenAPI document says: the document lists
/// every API route, is served, is valid, and schemathesis finds no difference.
@Suite struct AdminAPIContractTests {
    static let document = TestMaterial.packageRoot + "/Sources/FiscalAdmin/Server/openapi.yaml"

    static func committed() throws -> String { String(decoding: try TestMaterial.bytes(document), as: UTF8.self) }

    @Test func theDocumentDeclaresEveryAPIRouteAndNoOther() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let routes = Set(harness.server.routes.filter { !$0.isPage }.map { "\($0.method.rawValue) \(OpenAPIDocument.path($0.path))" })
        let declared = OpenAPIDocument.operations(try Self.committed())
        #expect(routes.count > 30)
        #expect(declared == routes, "undocumented: \(routes.subtracting(declared).sorted()); documented but not served: \(declared.subtracting(routes).sorted())")
    }

    @Test func theServedDocumentIsTheCommittedOneAndValid() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let served = try await WebClient(base: harness.base).send("GET", "/api/v1/openapi.yaml")
        #expect(served.status == 200)
        #expect(served.text == (try Self.committed()), "the served document is the committed Sources/FiscalAdmin/Server/openapi.yaml")
        guard let run = try await OpenAPIDocument.validate(file: Self.document) else { return }
        #expect(run.status == 0, "\(run.output)")
    }

    @Test func aKnownPathWithAnotherMethodAnswers405WithAllow() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let client = WebClient(base: harness.base, token: "fat_unknown")
        for (method, path, allow) in [("TRACE", "/api/v1/me", "GET"), ("DELETE", "/api/v1/clients/x", "GET, PUT"), ("GET", "/api/v1/signup", "POST"),
                                      ("PUT", "/api/v1/tokens", "GET, POST"), ("DELETE", "/api/v1/devices/x", "GET, PATCH")] {
            let answer = try await client.send(method, path)
            #expect(answer.status == 405, "\(method) \(path)")
            #expect(answer.headers["allow"] == allow, "\(method) \(path): \(answer.headers["allow"] ?? "no Allow")")
            #expect((answer.json?["error"] as? [String: Any])?["code"] as? String == "method_not_allowed", "\(method) \(path)")
        }
        let page = try await client.send("DELETE", "/signin")
        #expect(page.status == 405 && page.headers["allow"] != nil)
        #expect(try await client.send("GET", "/api/v1/nothing").status == 404)
    }

    @Test func aPasswordChangeOverTheAPICanRevokeEveryToken() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let integrator = try await harness.admin.integrator()
        let (_, secret) = try await harness.admin.service.createAPIToken(integrator, Fields(["name": "till sync"]))
        let api = WebClient(base: harness.base, token: secret)
        let changed = try await api.send("POST", "/api/v1/me/password", json: [
            "current_password": AdminHarness.password, "new_password": "another long passphrase", "revoke_api_tokens": true,
        ])
        #expect(changed.status == 204, "\(changed.text)")
        #expect(try await api.send("GET", "/api/v1/me").status == 401, "the token was revoked with the password change")
    }

    @Test func bodiesHoldOnlyTheDocumentedKeysOfTheDocumentedTypes() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let api = WebClient(base: harness.base)
        let valid: [String: Any] = ["kind": "integrator", "organization": "Primjer IT d.o.o.", "name": "Ana", "email": "ana@primjer.me", "password": "a long and private passphrase"]
        for (key, value) in [("nickname", "x"), ("name", 5), ("organization", NSNull()), ("password", true)] as [(String, Any)] {
            var body = valid
            body[key] = value
            let answer = try await api.send("POST", "/api/v1/signup", json: body)
            #expect(answer.status == 422, "\(key): \(answer.text)")
            #expect((answer.json?["error"] as? [String: Any])?["field"] as? String == key)
        }
        #expect(try await api.send("POST", "/api/v1/signup", json: valid).status == 201)
    }

    /// Every operation of the document, with a seeded integrator (client, business unit, device,
    /// license, a second API token, an invitation) whose ids are the path parameters, so that
    /// cases reach past 404.
    @Test func schemathesisFindsNoDifferenceBetweenTheDocumentAndTheServer() async throws {
        let harness = try await AdminServerHarness.start(.sqlite)
        defer { Task { await harness.stop() } }
        let service = harness.admin.service
        let integrator = try await harness.admin.integrator()
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        let unit = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "xx123xx123", "name": "Shop"]))
        let device = try await service.createDevice(integrator, clientID: client.id, Fields([
            "business_unit_id": unit.id, "internal_id": "1", "tcr_code": "si747we972", "software_code": "ss123ss123", "maintainer_code": "mm123mm123",
            "operator_code": "oo123oo123",
        ]))
        let license = try await service.issueLicense(integrator, deviceID: device.id, Fields())
        let (_, secret) = try await service.createAPIToken(integrator, Fields(["name": "schemathesis"]))
        let (spare, _) = try await service.createAPIToken(integrator, Fields(["name": "revoked by the run"]))
        // A client that administers itself invites this integrator.
        let other = try await service.signUp(Fields(["kind": "client", "contact": "Ivo", "email": "ivo@client.me", "password": AdminHarness.password]
            .merging(AdminHarness.clientFields(tin: "87654321", name: "Druga d.o.o.").values) { $1 }))
        let owner = try await service.signIn(email: other.email, password: AdminHarness.password, address: "127.0.0.1").principal
        let invitation = try await service.inviteIntegrator(owner, clientID: owner.organizationID, Fields(["integrator_email": integrator.email]))

        // 422 answers requests of the right shape whose values do not fit the records (these
        // operations say so in their descriptions); everywhere else valid data must be accepted.
        let stateful = [("POST", "/api/v1/signup"), ("POST", "/api/v1/me/password"), ("POST", "/api/v1/clients"), ("PUT", "/api/v1/clients/{client}"),
                        ("POST", "/api/v1/organizations/{organization}/users"), ("POST", "/api/v1/clients/{client}/invitations"),
                        ("POST", "/api/v1/clients/{client}/devices"), ("POST", "/api/v1/clients/{client}/devices/bulk"),
                        ("POST", "/api/v1/clients/{client}/certificates"), ("POST", "/api/v1/devices/{device}/licenses"),
                        ("POST", "/api/v1/licenses/{license}/renew"), ("POST", "/api/v1/device/enrol")]
        let configuration = """
        [parameters]
        "path.client" = "\(client.id)"
        "path.organization" = "\(client.id)"
        "path.device" = "\(device.id)"
        "path.license" = "\(license.id)"
        "path.invitation" = "\(invitation.id)"
        "path.token" = "\(spare.id)"

        """ + stateful.map { """
        [[operations]]
        include-path = "\($0.1)"
        include-method = "\($0.0)"
        checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429", "503"]

        """ }.joined()
        guard let outcome = try await Schemathesis.run(document: Self.document, base: harness.base, headers: ["Authorization: Bearer \(secret)"],
                                                       maxExamples: 20, configuration: configuration) else { return }
        let (status, cases, report) = (outcome.run.status, outcome.cases, outcome.run.output)
        #expect(status == 0, "schemathesis found differences:\n\(report)")
        #expect(cases >= 500, "only \(cases) cases generated")
    }
}
