import FiscalAdmin
import FiscalCore
import FiscalTesting
import Foundation
import HTTPTypes
import Testing

/// Every route of the API and the pages × every role × own and other tenant: nobody reaches
/// another tenant's records, no role does more than it may, nobody unauthenticated gets in, and
/// the refused requests change nothing.
@Suite struct AuthorizationMatrixTests {
    /// The tenant-A world the requests aim at, and the callers.
    struct World {
        var ids: [String: String] = [:]
        var callers: [Caller] = []
    }

    struct Caller {
        let name: String
        let role: Role?
        /// `true` when the caller belongs to tenant A (the integrator or its client).
        let ownTenant: Bool
        let api: WebClient
        let web: WebClient
        let csrf: String?
    }

    /// Which roles of tenant A may call a route (own tenant); everyone else is refused.
    static func allowed(_ route: AdminRoute) -> Set<Role>? {
        let all: Set<Role> = [.integratorAdmin, .clientAdmin, .clientViewer]
        let writers: Set<Role> = [.integratorAdmin, .clientAdmin]
        let path = route.path.replacingOccurrences(of: "/api/v1", with: "")
        switch (route.method, path) {
        // connector.toml holds the device's license: a viewer may not take it.
        case (.get, "/devices/:device/connector.toml"): return writers
        case (.get, _): return all
        case (.post, "/clients"): return [.integratorAdmin]
        case (.post, "/clients/:client/invitations"): return [.clientAdmin]
        case (.post, "/invitations/:invitation/accept"), (.post, "/invitations/:invitation/decline"): return [.integratorAdmin]
        case (.post, "/devices/:device/licenses"), (.post, "/licenses/:license/renew"), (.post, "/licenses/:license/revoke"): return [.integratorAdmin]
        case (.post, "/tokens/:token/revoke"): return [.integratorAdmin]  // the token is integrator A's own
        case (.post, "/tokens"), (.post, "/signout"), (.post, "/me/password"), (.post, "/account/password"): return all
        case (.put, _), (.patch, _), (.post, _): return writers
        default: return nil
        }
    }

    /// A valid body for each writing route, so that a refusal is about who asks, not what.
    static func body(_ route: AdminRoute, _ world: World) -> [String: String] {
        let path = route.path.replacingOccurrences(of: "/api/v1", with: "")
        switch path {
        case "/clients": return ["name": "New client", "tin": "55555555", "address": "Ulica 2", "town": "Bar"]
        case "/clients/:client": return ["name": "Renamed", "tin": "12345678", "address": "Ulica 3", "town": "Kotor"]
        case "/organizations/:organization/users": return ["email": "new-\(UUID().uuidString.prefix(6))@x.me", "name": "N", "role": "client-viewer", "password": AdminHarness.password]
        case "/clients/:client/invitations": return ["integrator_email": "b@integrator-b.me"]
        case "/clients/:client/business-units": return ["code": "zz123zz123", "name": "Another shop"]
        case "/clients/:client/devices": return ["business_unit_id": world.ids["unit"]!, "internal_id": "77"]
        case "/clients/:client/devices/bulk": return ["business_unit_id": world.ids["unit"]!, "count": "2", "first_internal_id": "100"]
        case "/clients/:client/certificates": return ["pkcs12": world.ids["pkcs12"]!, "password": TestMaterial.password]
        case "/devices/:device": return ["operator_code": "pp123pp123"]
        case "/devices/:device/environment": return ["environment": "production", "confirm": "cc123cc123"]
        case "/devices/:device/licenses", "/licenses/:license/renew": return ["environments": "test,production"]
        case "/tokens": return ["name": "matrix"]
        default: return [:]
        }
    }

    static func fill(_ path: String, _ world: World) -> String {
        var filled = path
        for (parameter, key) in [(":client", "client"), (":device", "device"), (":license", "license"), (":token", "token"), (":invitation", "invitation"), (":organization", "client"), (":certificate", "certificate")] {
            filled = filled.replacingOccurrences(of: parameter, with: world.ids[key]!)
        }
        return filled
    }

    @Test(arguments: StoreEngine.available) func everyRouteEveryRoleEveryTenant(engine: StoreEngine) async throws {
        let harness = try await AdminServerHarness.start(engine)
        defer { Task { await harness.stop() } }
        let service = harness.admin.service
        var world = World()

        // Tenant A: integrator A with client A (unit, device with codes, license, certificate, token, users).
        let integratorA = try await harness.admin.integrator("Integrator A", email: "a@integrator-a.me")
        let clientA = try await service.createClient(integratorA, AdminHarness.clientFields())
        let unit = try await service.createBusinessUnit(integratorA, clientID: clientA.id, Fields(["code": "bb123bb123", "name": "Shop"]))
        let device = try await service.createDevice(integratorA, clientID: clientA.id, Fields(["business_unit_id": unit.id, "internal_id": "1", "tcr_code": "cc123cc123", "software_code": "ss123ss123", "maintainer_code": "mm123mm123", "operator_code": "oo123oo123"]))
        let license = try await service.issueLicense(integratorA, deviceID: device.id, Fields())
        let pkcs12 = try TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12"))
        let certificate = try await service.uploadCertificate(integratorA, clientID: clientA.id, pkcs12: pkcs12, password: TestMaterial.password)
        let (token, secretA) = try await service.createAPIToken(integratorA, Fields(["name": "a"]))
        for (email, role) in [("admin@client-a.me", "client-admin"), ("viewer@client-a.me", "client-viewer")] {
            _ = try await service.createUser(integratorA, organizationID: clientA.id, Fields(["email": email, "name": "X", "role": role, "password": AdminHarness.password]))
        }
        // Tenant B: another integrator and its client; client B has a pending invitation to A's integrator? No: to B.
        let integratorB = try await harness.admin.integrator("Integrator B", email: "b@integrator-b.me")
        var selfRegistered = AdminHarness.clientFields(tin: "22222222", name: "Client B")
        selfRegistered.values.merge(["kind": "client", "contact": "C", "email": "admin@client-b.me", "password": AdminHarness.password]) { $1 }
        _ = try await service.signUp(selfRegistered)
        let clientBAdmin = try await service.signIn(email: "admin@client-b.me", password: AdminHarness.password, address: "x").principal
        // A pending invitation from a third client to integrator A, so that the accept/decline routes have a target.
        var third = AdminHarness.clientFields(tin: "33333333", name: "Client C")
        third.values.merge(["kind": "client", "contact": "C", "email": "admin@client-c.me", "password": AdminHarness.password]) { $1 }
        _ = try await service.signUp(third)
        let clientC = try await service.signIn(email: "admin@client-c.me", password: AdminHarness.password, address: "x").principal
        let invitation = try await service.inviteIntegrator(clientC, clientID: clientC.organizationID, Fields(["integrator_email": "a@integrator-a.me"]))
        _ = integratorB
        world.ids = ["client": clientA.id, "unit": unit.id, "device": device.id, "license": license.id, "token": token.id, "invitation": invitation.id,
                     "certificate": certificate.id, "pkcs12": Data(pkcs12).base64EncodedString()]

        func caller(_ name: String, email: String?, role: Role?, own: Bool) async throws -> Caller {
            let api = WebClient(base: harness.base), web = WebClient(base: harness.base)
            var csrf: String?
            if let email {
                api.token = email == "a@integrator-a.me" ? secretA : try await service.createAPIToken(try await service.signIn(email: email, password: AdminHarness.password, address: "t").principal, Fields(["name": "t"])).secret
                csrf = try await web.signIn(email: email, password: AdminHarness.password)
                #expect(csrf != nil, "\(name) signs in")
            }
            return Caller(name: name, role: role, ownTenant: own, api: api, web: web, csrf: csrf)
        }
        world.callers = [
            try await caller("anonymous", email: nil, role: nil, own: false),
            try await caller("integrator A", email: "a@integrator-a.me", role: .integratorAdmin, own: true),
            try await caller("client-admin A", email: "admin@client-a.me", role: .clientAdmin, own: true),
            try await caller("client-viewer A", email: "viewer@client-a.me", role: .clientViewer, own: true),
            try await caller("integrator B", email: "b@integrator-b.me", role: .integratorAdmin, own: false),
            try await caller("client-admin B", email: "admin@client-b.me", role: .clientAdmin, own: false),
        ]
        _ = clientBAdmin

        let routes = harness.server.routes
        var refused: [(AdminRoute, Caller)] = []
        for route in routes where route.access == .account {
            let rule = try #require(Self.allowed(route), "route \(route.method) \(route.path) has no rule in the matrix")
            for caller in world.callers {
                // A route without a record in its path acts in the caller's own tenant.
                let mayCall = caller.role.map { rule.contains($0) && (caller.ownTenant || !route.path.contains(":")) } ?? false
                // Listing routes answer everyone signed in, each with their own records only.
                let isListing = route.method == .get && !route.path.contains(":")
                if !mayCall && !(isListing && caller.role != nil) && !(caller.role != nil && Self.isSelfService(route)) { refused.append((route, caller)) }
            }
        }

        // The refused requests first, on a database whose counts we keep.
        let before = try harness.admin.rowCounts()
        for (route, caller) in refused {
            let path = Self.fill(route.path, world)
            var fields = Self.body(route, world)
            let answer: WebClient.Answer
            if route.isPage {
                if let csrf = caller.csrf { fields["csrf"] = csrf }
                fields["back"] = "/"
                if route.path.hasSuffix("/certificates") && route.method == .post {
                    fields["pkcs12"] = nil
                    answer = try await caller.web.upload(path, fields: fields, file: ("certificate", "client.p12", pkcs12))
                } else {
                    answer = route.method == .get ? try await caller.web.send("GET", path) : try await caller.web.send(route.method.rawValue, path, form: fields)
                }
            } else {
                answer = route.method == .get ? try await caller.api.send("GET", path) : try await caller.api.send(route.method.rawValue, path, json: fields)
            }
            let label = "\(caller.name): \(route.method) \(route.path) → \(answer.status)"
            if caller.role == nil {
                #expect(route.isPage ? (answer.status == 303 && answer.headers["location"]?.hasPrefix("/signin") == true) : answer.status == 401, "\(label)")
            } else {
                #expect([403, 404].contains(answer.status), "\(label) \(answer.text.prefix(200))")
            }
            #expect(!answer.text.contains(clientA.name) && !answer.text.contains("cc123cc123") || caller.ownTenant, "\(label) leaks tenant A")
        }
        #expect(try harness.admin.rowCounts() == before, "a refused request changed the database")
        #expect(refused.count > 150)

        // Listings and self-service routes answer other tenants with nothing of tenant A.
        for caller in world.callers where caller.role != nil && !caller.ownTenant {
            for route in routes where route.method == .get && !route.path.contains(":") && route.access == .account {
                let answer = route.isPage ? try await caller.web.send("GET", route.path) : try await caller.api.send("GET", route.path)
                #expect(answer.status == 200, "\(caller.name): GET \(route.path) → \(answer.status)")
                #expect(!answer.text.contains(clientA.id) && !answer.text.contains(clientA.name), "\(caller.name): GET \(route.path) shows tenant A")
            }
        }
        // And tenant A's readers see their own records, on every reading route.
        for caller in world.callers where caller.ownTenant {
            for route in routes where route.method == .get && route.access == .account && !route.path.contains(":token") && !route.path.contains(":license") && !route.path.contains(":invitation")
                && Self.allowed(route)?.contains(caller.role ?? .clientViewer) == true {
                let path = Self.fill(route.path, world)
                let answer = route.isPage ? try await caller.web.send("GET", path) : try await caller.api.send("GET", path)
                #expect(answer.status == 200, "\(caller.name): GET \(route.path) → \(answer.status) \(answer.text.prefix(200))")
            }
        }

        // A viewer reads the device but not its license token, which fiscalizes as the device.
        let viewer = world.callers[3]
        let viewed = try await viewer.api.send("GET", "/api/v1/devices/\(device.id)")
        #expect(viewed.status == 200 && viewed.text.contains(license.id) && !viewed.text.contains(license.token))
        let manager = try await world.callers[2].api.send("GET", "/api/v1/devices/\(device.id)")
        #expect(manager.text.contains(license.token))

        // Unauthenticated: API and device routes refuse, with or without forged credentials.
        let forged = WebClient(base: harness.base, token: "fat_forged")
        #expect(try await forged.send("GET", "/api/v1/clients").status == 401)
        let device401 = WebClient(base: harness.base, token: "fdt_forged")
        #expect(try await device401.send("GET", "/api/v1/device/profile").status == 401)
        #expect(try await WebClient(base: harness.base, token: secretA).send("GET", "/api/v1/device/profile").status == 401)
        // A session cookie does not authenticate the API, and a bearer token does not open pages.
        #expect(try await world.callers[1].web.send("GET", "/api/v1/clients").status == 401)
        #expect(try await WebClient(base: harness.base, token: secretA).send("GET", "/").status == 303)
        // A form without the session's CSRF token is refused and changes nothing.
        let counts = try harness.admin.rowCounts()
        let noCSRF = try await world.callers[1].web.send("POST", "/clients", form: Self.body(routes.first { $0.path == "/clients" && $0.method == .post }!, world))
        #expect(noCSRF.status == 403)
        let otherCSRF = try await world.callers[1].web.send("POST", "/clients", form: Self.body(routes.first { $0.path == "/clients" && $0.method == .post }!, world).merging(["csrf": world.callers[2].csrf!]) { $1 })
        #expect(otherCSRF.status == 403)
        #expect(try harness.admin.rowCounts() == counts)
    }

    /// Routes every signed-in account may use on its own behalf (its tokens, its session).
    static func isSelfService(_ route: AdminRoute) -> Bool {
        route.method == .post && (route.path.hasSuffix("/tokens") || route.path == "/signout" || route.path.hasSuffix("/password"))
    }
}
