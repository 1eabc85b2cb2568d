import FiscalAdmin
import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// Bad input on every form and endpoint gives a clear message naming the field, and changes nothing.
@Suite struct BadInputTests {
    struct Case {
        let path: String
        let body: [String: String]
        let status: Int
        let field: String?
    }

    @Test(arguments: StoreEngine.available) func everyEndpointAndFormRefusesBadInputByNameAndChangesNothing(engine: StoreEngine) async throws {
        let harness = try await AdminServerHarness.start(engine)
        defer { Task { await harness.stop() } }
        let service = harness.admin.service
        let integrator = try await harness.admin.integrator(email: "ana@integrator.me")
        let client = try await service.createClient(integrator, AdminHarness.clientFields())
        let unit = try await service.createBusinessUnit(integrator, clientID: client.id, Fields(["code": "bb123bb123", "name": "Shop"]))
        let device = try await service.createDevice(integrator, clientID: client.id, Fields(["business_unit_id": unit.id, "internal_id": "1", "tcr_code": "cc123cc123",
                                                                                                   "software_code": "ss123ss123", "maintainer_code": "mm123mm123", "operator_code": "oo123oo123"]))
        let license = try await service.issueLicense(integrator, deviceID: device.id, Fields(["environments": "test"]))
        let (_, secret) = try await service.createAPIToken(integrator, Fields(["name": "t"]))
        let api = WebClient(base: harness.base, token: secret)
        let web = WebClient(base: harness.base)
        let csrf = try #require(try await web.signIn(email: "ana@integrator.me", password: AdminHarness.password))
        let goodClient = ["name": "Firma", "tin": "76543210", "address": "Ulica 1", "town": "Bar"]
        func with(_ base: [String: String], _ changes: [String: String?]) -> [String: String] {
            var result = base
            for (key, value) in changes { result[key] = value }
            return result
        }

        let cases: [Case] = [
            Case(path: "/clients", body: with(goodClient, ["tin": "1234567"]), status: 422, field: "tin"),
            Case(path: "/clients", body: with(goodClient, ["tin": "ABCDEFGH"]), status: 422, field: "tin"),
            Case(path: "/clients", body: with(goodClient, ["tin": "12345678"]), status: 409, field: "tin"),
            Case(path: "/clients", body: with(goodClient, ["name": nil]), status: 422, field: "name"),
            Case(path: "/clients", body: with(goodClient, ["town": "  "]), status: 422, field: "town"),
            Case(path: "/clients", body: with(goodClient, ["country": "Montenegro"]), status: 422, field: "country"),
            Case(path: "/clients", body: with(goodClient, ["in_vat": "maybe"]), status: 422, field: "in_vat"),
            Case(path: "/clients/\(client.id)", body: with(goodClient, ["address": nil]), status: 422, field: "address"),
            Case(path: "/clients/\(client.id)/business-units", body: ["code": "BB123BB123", "name": "Shop 2"], status: 422, field: "code"),
            Case(path: "/clients/\(client.id)/business-units", body: ["code": "bb123bb12", "name": "Shop 2"], status: 422, field: "code"),
            Case(path: "/clients/\(client.id)/business-units", body: ["code": "dd123dd123"], status: 422, field: "name"),
            Case(path: "/clients/\(client.id)/devices", body: ["business_unit_id": unit.id, "internal_id": "2", "tcr_code": "cc-123"], status: 422, field: "tcr_code"),
            Case(path: "/clients/\(client.id)/devices", body: ["business_unit_id": unit.id], status: 422, field: "internal_id"),
            Case(path: "/clients/\(client.id)/devices", body: ["internal_id": "2"], status: 422, field: "business_unit_id"),
            Case(path: "/clients/\(client.id)/devices", body: ["business_unit_id": unit.id, "internal_id": "1"], status: 409, field: "internal_id"),
            Case(path: "/clients/\(client.id)/devices/bulk", body: ["business_unit_id": unit.id, "count": "0"], status: 422, field: "count"),
            Case(path: "/clients/\(client.id)/devices/bulk", body: ["business_unit_id": unit.id, "count": "ten"], status: 422, field: "count"),
            Case(path: "/clients/\(client.id)/devices/bulk", body: ["business_unit_id": unit.id, "count": "2", "operator_code": "x"], status: 422, field: "operator_code"),
            Case(path: "/clients/\(client.id)/invitations", body: ["integrator_email": "nope"], status: 403, field: nil),
            Case(path: "/organizations/\(client.id)/users", body: ["email": "x@y.me", "name": "X", "role": "root", "password": AdminHarness.password], status: 422, field: "role"),
            Case(path: "/organizations/\(client.id)/users", body: ["email": "x@y.me", "name": "X", "role": "client-viewer", "password": "short"], status: 422, field: "password"),
            Case(path: "/organizations/\(client.id)/users", body: ["email": "ana@integrator.me", "name": "X", "role": "client-viewer", "password": AdminHarness.password], status: 409, field: "email"),
            Case(path: "/devices/\(device.id)/licenses", body: ["expires": "31.12.2027"], status: 422, field: "expires"),
            Case(path: "/devices/\(device.id)/licenses", body: ["environments": "prod"], status: 422, field: "environments"),
            Case(path: "/licenses/\(license.id)/renew", body: ["expires": "2000-01-01"], status: 422, field: "expires"),
            Case(path: "/devices/\(device.id)/environment", body: ["environment": "production", "confirm": "cc123cc123"], status: 409, field: nil),
            Case(path: "/devices/\(device.id)/environment", body: ["environment": "staging"], status: 422, field: "environment"),
            Case(path: "/tokens", body: [:], status: 422, field: "name"),
            Case(path: "/me/password", body: ["current_password": "not it", "new_password": "a new long passphrase"], status: 422, field: "current_password"),
            Case(path: "/me/password", body: ["current_password": AdminHarness.password, "new_password": "short"], status: 422, field: "new_password"),
        ]
        let before = try harness.admin.rowCounts()
        for item in cases {
            // The JSON API: status, code and field by name.
            let method = item.path == "/clients/\(client.id)" ? "PUT" : "POST"
            let answer = try await api.send(method, "/api/v1" + item.path, json: item.body)
            let error = answer.json?["error"] as? [String: Any]
            #expect(answer.status == item.status, "API \(item.path) \(item.body) → \(answer.status) \(answer.text)")
            #expect(error?["field"] as? String == item.field, "API \(item.path) names \(String(describing: error?["field"]))")
            #expect((error?["message"] as? String)?.isEmpty == false)
            // The page's form: the page again, with the message and the field.
            let page = try await web.send("POST", item.path == "/me/password" ? "/account/password" : item.path, form: item.body.merging(["csrf": csrf, "back": "/clients/\(client.id)"]) { $1 })
            #expect(page.status == item.status, "form \(item.path) → \(page.status)")
            #expect(page.text.contains("role=\"alert\""), "form \(item.path) shows no message")
            if let field = item.field { #expect(page.text.contains("(field: \(field))"), "form \(item.path) does not name \(field)") }
        }
        #expect(try harness.admin.rowCounts() == before)

        // Certificates: wrong password, another TIN, not a certificate, too large, nothing at all.
        let modern = try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))
        let uploads: [([UInt8], String, Int, String)] = [
            (modern, "wrong password", 422, "password"),
            (try TestMaterial.bytes(TestMaterial.certificate("other-tin.p12")), TestMaterial.password, 422, "certificate"),
            (Array("hello".utf8), TestMaterial.password, 422, "certificate"),
            ([UInt8](repeating: 0x30, count: 100 * 1024), TestMaterial.password, 413, "certificate"),
        ]
        for (bytes, password, status, field) in uploads {
            let answer = try await api.send("POST", "/api/v1/clients/\(client.id)/certificates", json: ["pkcs12": Data(bytes).base64EncodedString(), "password": password])
            #expect(answer.status == status && (answer.json?["error"] as? [String: Any])?["field"] as? String == field, "API upload → \(answer.status) \(answer.text)")
            let page = try await web.upload("/clients/\(client.id)/certificates", fields: ["csrf": csrf, "back": "/clients/\(client.id)", "password": password],
                                            file: ("certificate", "c.p12", bytes))
            #expect(page.status == status && page.text.contains("(field: \(field))"), "form upload → \(page.status)")
        }
        let tooBig = try await api.send("POST", "/api/v1/clients/\(client.id)/certificates", body: Data(repeating: 0x41, count: 300 * 1024), contentType: "application/json")
        #expect(tooBig.status == 413)
        let notJSON = try await api.send("POST", "/api/v1/clients", body: Data("name=x".utf8), contentType: "application/json")
        #expect(notJSON.status == 422)
        #expect(try harness.admin.rowCounts() == before)

        // Sign-in: a wrong password is refused on the page; repeated failures are throttled with Retry-After.
        let stranger = WebClient(base: harness.base)
        let wrong = try await stranger.submitSignIn(email: "ana@integrator.me", password: "not the password")
        #expect(wrong.status == 401 && wrong.text.contains("the email address or the password is wrong"))
        for _ in 0..<5 { _ = try await stranger.send("POST", "/api/v1/tokens", json: ["email": "ana@integrator.me", "password": "guess", "name": "x"]) }
        let throttled = try await stranger.submitSignIn(email: "ana@integrator.me", password: AdminHarness.password)
        #expect(throttled.status == 429 && throttled.headers["retry-after"] != nil)
    }

    @Test func behindAProxyTheThrottleCountsForwardedAddresses() async throws {
        let harness = try await AdminServerHarness.start(.sqlite, trustProxy: true)
        defer { Task { await harness.stop() } }
        _ = try await harness.admin.integrator(email: "ana@integrator.me")
        _ = try await harness.admin.integrator(email: "marko@integrator.me")
        let client = WebClient(base: harness.base)
        for _ in 0..<6 {
            _ = try await client.submitSignIn(email: "ana@integrator.me", password: "guess guess", headers: ["X-Forwarded-For": "198.51.100.7"])
        }
        // The guesser's address waits; another client of the same proxy signs in.
        let guesser = try await client.submitSignIn(email: "marko@integrator.me", password: AdminHarness.password, headers: ["X-Forwarded-For": "198.51.100.7"])
        #expect(guesser.status == 429)
        let other = try await client.submitSignIn(email: "marko@integrator.me", password: AdminHarness.password, headers: ["X-Forwarded-For": "203.0.113.1, 198.51.100.9"])
        #expect(other.status == 303)
    }
}
