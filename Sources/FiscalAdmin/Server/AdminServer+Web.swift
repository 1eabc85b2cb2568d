import FiscalCore
import Foundation
import HTTPTypes
import Hummingbird

extension AdminServer {
    /// What a form leads to.
    enum Outcome {
        /// Go to a page (303), with a notice from ``notices``.
        case redirect(String, done: String)
        /// Show a page now (a secret shown once).
        case page(Response)
    }

    /// Messages a redirect may show, by key: a query parameter can only pick one of these.
    static let notices: [String: String] = [
        "client_created": "Client created.", "client_updated": "Details saved.", "unit_created": "Business unit added.", "device_created": "Device added.",
        "devices_created": "Devices created.", "certificate_uploaded": "Certificate uploaded and sealed.",
        "certificate_retired": "Certificate retired: connectors get the newest certificate not retired at their next refresh.", "invitation_sent": "Invitation sent to the integrator.",
        "invitation_accepted": "Invitation accepted: the client is now yours to administer.", "invitation_declined": "Invitation declined.",
        "user_created": "User added.", "device_updated": "Codes saved.", "license_issued": "License issued.", "license_revoked": "License revoked.",
        "switched_production": "The device is in production: its connector switches at its next refresh.",
        "switched_test": "The device is back in test: its connector switches at its next refresh.", "token_revoked": "Token revoked.",
        "signed_up": "Account created: sign in.", "password_changed": "Password changed; other sessions were signed out.",
    ]

    /// The web pages.
    var webRoutes: [AdminRoute] {
        let service = self.service
        func view(_ path: String, _ render: @escaping @Sendable (Request, AdminRequestContext, AdminService.Session) async throws -> Response) -> AdminRoute {
            AdminRoute(method: .get, path: path, access: .account) { request, context, caller in
                guard case .account(_, let session?) = caller else { throw AdminError(.unauthenticated, "sign in") }
                return try await render(request, context, session)
            }
        }
        func form(_ path: String, _ action: @escaping @Sendable (FormRequest) async throws -> Outcome) -> AdminRoute {
            AdminRoute(method: .post, path: path, access: .account) { request, context, caller in
                guard case .account(_, let session?) = caller else { throw AdminError(.unauthenticated, "sign in") }
                let (fields, files) = try await Self.fields(request)
                guard let given = fields.values["csrf"], Self.constantTimeEqual(given, session.csrfToken) else {
                    return self.pages.errorPage(AdminError(.forbidden, "the form expired or came from another site: reload the page and try again"), status: .forbidden)
                }
                let back = Self.safePath(fields.values["back"]) ?? "/"
                do {
                    switch try await action(FormRequest(context: context, session: session, fields: fields, files: files)) {
                    case .redirect(let location, let done): return self.redirect(location + (location.contains("?") ? "&" : "?") + "done=" + done)
                    case .page(let response): return response
                    }
                } catch let error as AdminError {
                    return try await self.render(back, session: session, error: error, status: Self.status(error),
                                                 refill: Refill(path: path, values: fields.values, field: error.field))
                }
            }
        }

        return [
            AdminRoute(method: .get, path: "/signin", access: .anyone) { request, _, _ in
                let done = request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }
                return self.signInPage(request, values: ["next": Self.safePath(request.uri.queryParameters["next"].map(String.init)) ?? "/"], notice: done)
            },
            AdminRoute(method: .post, path: "/signin", access: .anyone) { request, context, _ in
                let fields = try await Self.fields(request).fields
                let email = fields.values["email"] ?? ""
                let values = ["email": email, "next": Self.safePath(fields.values["next"]) ?? "/"]
                // Login CSRF: the form's token must echo the cookie this server set with the form.
                guard let expected = self.cookie(request, Self.signInCookie), let given = fields.values["csrf"], Self.constantTimeEqual(given, expected) else {
                    return self.signInPage(request, values: values, error: AdminError(.forbidden, "the sign-in form expired or came from another site: sign in again on this page"),
                                           status: .forbidden)
                }
                do {
                    let session = try await service.signIn(email: email, password: fields.values["password"] ?? "", address: self.address(request, context))
                    return self.redirect(Self.safePath(fields.values["next"]) ?? "/", cookies: [self.sessionCookie(session.token, maxAge: Int(service.settings.sessionLifetime))])
                } catch let error as AdminError {
                    var response = self.signInPage(request, values: values, error: error, status: Self.status(error))
                    if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
                    return response
                }
            },
            AdminRoute(method: .get, path: "/signup", access: .anyone) { _, _, _ in
                self.pages.page("signup", title: "Sign up", values: [:], session: nil)
            },
            AdminRoute(method: .post, path: "/signup/integrator", access: .anyone) { request, _, _ in
                try await self.signUp(request, kind: "integrator")
            },
            AdminRoute(method: .post, path: "/signup/client", access: .anyone) { request, _, _ in
                try await self.signUp(request, kind: "client")
            },
            AdminRoute(method: .post, path: "/signout", access: .account) { request, _, caller in
                if case .account(_, let session?) = caller {
                    let fields = try await Self.fields(request).fields
                    guard let given = fields.values["csrf"], Self.constantTimeEqual(given, session.csrfToken) else {
                        return self.pages.errorPage(AdminError(.forbidden, "the form expired: reload the page and try again"), status: .forbidden)
                    }
                    try await service.signOut(token: session.token)
                }
                return self.redirect("/signin", cookies: [self.sessionCookie("", maxAge: 0)])
            },
            view("/") { request, _, session in try await self.render("/", session: session, done: request) },
            view("/clients") { request, _, session in try await self.render("/clients", session: session, done: request) },
            view("/clients/:client") { request, context, session in try await self.render("/clients/" + (try Self.parameter(context, "client")), session: session, done: request) },
            view("/devices/:device") { request, context, session in try await self.render("/devices/" + (try Self.parameter(context, "device")), session: session, done: request) },
            view("/audit") { request, _, session in try await self.render("/audit", session: session, done: request) },
            view("/tokens") { request, _, session in try await self.render("/tokens", session: session, done: request) },
            view("/devices/:device/connector.toml") { _, context, session in
                Self.text(try await service.connectorConfiguration(session.principal, deviceID: try Self.parameter(context, "device")), contentType: "application/toml; charset=utf-8",
                          filename: "connector.toml")
            },
            form("/clients") { form in
                .redirect("/clients/" + (try await service.createClient(form.principal, form.fields)).id, done: "client_created")
            },
            form("/clients/:client") { form in
                .redirect("/clients/" + (try await service.updateClient(form.principal, id: try form.parameter("client"), form.fields)).id, done: "client_updated")
            },
            form("/clients/:client/business-units") { form in
                let unit = try await service.createBusinessUnit(form.principal, clientID: try form.parameter("client"), form.fields)
                return .redirect("/clients/" + unit.clientID, done: "unit_created")
            },
            form("/clients/:client/devices") { form in
                let device = try await service.createDevice(form.principal, clientID: try form.parameter("client"), form.fields)
                return .redirect("/devices/" + device.id, done: "device_created")
            },
            form("/clients/:client/devices/bulk") { form in
                let client = try form.parameter("client")
                _ = try await service.createDevices(form.principal, clientID: client, form.fields)
                return .redirect("/clients/" + client, done: "devices_created")
            },
            form("/clients/:client/certificates") { form in
                let client = try form.parameter("client")
                _ = try await service.uploadCertificate(form.principal, clientID: client, pkcs12: form.files["certificate"] ?? [], password: form.fields.values["password"] ?? "")
                return .redirect("/clients/" + client, done: "certificate_uploaded")
            },
            form("/certificates/:certificate/retire") { form in
                .redirect("/clients/" + (try await service.retireCertificate(form.principal, id: try form.parameter("certificate"))).clientID, done: "certificate_retired")
            },
            form("/clients/:client/invitations") { form in
                let invitation = try await service.inviteIntegrator(form.principal, clientID: try form.parameter("client"), form.fields)
                return .redirect("/clients/" + invitation.clientID, done: "invitation_sent")
            },
            form("/organizations/:organization/users") { form in
                let organization = try form.parameter("organization")
                _ = try await service.createUser(form.principal, organizationID: organization, form.fields)
                return .redirect(Self.safePath(form.fields.values["back"]) ?? "/", done: "user_created")
            },
            form("/invitations/:invitation/accept") { form in
                _ = try await service.decideInvitation(form.principal, id: try form.parameter("invitation"), accept: true)
                return .redirect("/", done: "invitation_accepted")
            },
            form("/invitations/:invitation/decline") { form in
                _ = try await service.decideInvitation(form.principal, id: try form.parameter("invitation"), accept: false)
                return .redirect("/", done: "invitation_declined")
            },
            form("/devices/:device") { form in
                .redirect("/devices/" + (try await service.updateDevice(form.principal, id: try form.parameter("device"), form.fields)).id, done: "device_updated")
            },
            form("/devices/:device/environment") { form in
                let device = try await service.switchEnvironment(form.principal, id: try form.parameter("device"), form.fields)
                return .redirect("/devices/" + device.id, done: device.environment == .production ? "switched_production" : "switched_test")
            },
            form("/devices/:device/enrolment-token") { form in
                let device = try form.parameter("device")
                let token = try await service.createEnrolmentToken(form.principal, deviceID: device)
                return .page(try await self.render("/devices/" + device, session: form.session, enrolmentToken: token))
            },
            form("/devices/:device/licenses") { form in
                let license = try await service.issueLicense(form.principal, deviceID: try form.parameter("device"), form.fields)
                return .redirect("/devices/" + license.deviceID, done: "license_issued")
            },
            form("/licenses/:license/renew") { form in
                let license = try await service.renewLicense(form.principal, id: try form.parameter("license"), form.fields)
                return .redirect("/devices/" + license.deviceID, done: "license_issued")
            },
            form("/licenses/:license/revoke") { form in
                let license = try await service.revokeLicense(form.principal, id: try form.parameter("license"))
                return .redirect("/devices/" + license.deviceID, done: "license_revoked")
            },
            form("/tokens") { form in
                let (_, secret) = try await service.createAPIToken(form.principal, form.fields)
                return .page(try await self.render("/tokens", session: form.session, secret: secret))
            },
            form("/account/password") { form in
                try await service.changePassword(form.session.principal, form.fields, keepSession: form.session.token)
                return .redirect("/tokens", done: "password_changed")
            },
            form("/tokens/:token/revoke") { form in
                _ = try await service.revokeAPIToken(form.principal, id: try form.parameter("token"))
                return .redirect("/tokens", done: "token_revoked")
            },
        ]
    }

    // MARK: Rendering

    /// The cookie that carries the sign-in form's CSRF token (there is no session yet).
    static let signInCookie = "fiscal_signin"

    /// The sign-in page with a CSRF token, kept from the browser's cookie or set anew.
    func signInPage(_ request: Request, values: [String: String], notice: String? = nil, error: AdminError? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let token = cookie(request, Self.signInCookie).flatMap { value in
            value.count == 43 && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } ? value : nil
        } ?? AdminService.newSecret(prefix: "")
        var values: [String: Any] = values
        values["csrf"] = token
        var response = pages.page("signin", title: "Sign in", values: values, session: nil, notice: notice, error: error, status: status)
        response.headers.append(HTTPTypes.HTTPField(name: .setCookie, value: "\(Self.signInCookie)=\(token); Path=/signin; HttpOnly; SameSite=Strict; Max-Age=86400" + (secureCookies ? "; Secure" : "")))
        return response
    }

    /// A submitted form of a signed-in session, its CSRF token checked.
    struct FormRequest: Sendable {
        /// The request context (route parameters).
        let context: AdminRequestContext
        /// The session.
        let session: AdminService.Session
        /// The form's fields.
        let fields: Fields
        /// Uploaded files by field name.
        let files: [String: [UInt8]]

        /// Who is signed in.
        var principal: Principal { session.principal }

        /// A route parameter.
        func parameter(_ name: String) throws -> String { try AdminServer.parameter(context, name) }
    }

    func signUp(_ request: Request, kind: String) async throws -> Response {
        var fields = try await Self.fields(request).fields
        fields.values["kind"] = kind
        do {
            _ = try await service.signUp(fields)
            return redirect("/signin?done=signed_up")
        } catch let error as AdminError {
            let refill = Refill(path: "/signup/" + kind, values: fields.values, field: error.field)
            return pages.page("signup", title: "Sign up", values: ["form": Self.forms([:], refill: refill)], session: nil, error: error, status: Self.status(error))
        }
    }

    func render(_ path: String, session: AdminService.Session, done request: Request) async throws -> Response {
        let notice = request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }
        return try await render(path, session: session, notice: notice, query: Self.query(request))
    }

    /// Renders the page at `path` (one of the pages above), with an optional notice or error.
    func render(_ path: String, session: AdminService.Session, notice: String? = nil, error: AdminError? = nil, status: HTTPResponse.Status = .ok,
                enrolmentToken: String? = nil, secret: String? = nil, refill: Refill? = nil, query: Fields = Fields()) async throws -> Response {
        let principal = session.principal
        let parts = path.split(separator: "/").map(String.init)
        /// `defaults`: what each form shows unless it came back with an error.
        func page(_ template: String, _ title: String, _ values: [String: Any], defaults: [String: [String: String]] = [:]) -> Response {
            var values = values
            values["form"] = Self.forms(defaults, refill: refill)
            return pages.page(template, title: title, values: values, session: session, notice: notice, error: error, status: status)
        }
        switch parts.first {
        case "clients" where parts.count == 2:
            let client = try await service.client(principal, id: parts[1])
            let units = try await service.businessUnits(principal, clientID: client.id)
            let devices = try await service.devices(principal, clientID: client.id)
            let certificates = try await service.certificates(principal, clientID: client.id)
            let users = try await service.users(principal, organizationID: client.id)
            let now = service.now()
            let inUse = certificates.first { $0.retiredAt == nil }
            return page("client", client.name, [
                "client": Self.values(client), "hasUnits": !units.isEmpty, "devices": devices.map(Self.values),
                "units": units.map { unit -> [String: Any] in
                    var values = Self.values(unit)
                    if let refill, refill.values["business_unit_id"] == unit.id { values["chosen"] = [refill.form: true] }
                    return values
                },
                "certificates": certificates.map { certificate in
                    var values = Self.values(certificate)
                    if certificate.id == inUse?.id {
                        values["inUse"] = true
                        if let warning = ExpiryWarning.due(notAfter: certificate.notAfter, at: now) { values["warning"] = Self.warningText(warning) }
                    }
                    return values
                },
                "users": users.map { ["email": $0.email, "name": $0.name, "role": $0.role.rawValue] },
                "canWrite": principal.canWrite, "canInvite": principal.role == .clientAdmin && client.administratorID == nil,
            ], defaults: [
                "clients": ["name": client.name, "tin": client.tin ?? "", "address": client.address ?? "", "town": client.town ?? "",
                            "vat_number": client.vatNumber ?? "", "in_vat": client.inVAT ? "true" : ""],
                "devices": ["internal_id": "1"], "bulk": ["first_internal_id": "1"],
            ])
        case "clients":
            let clients = try await service.clients(principal)
            return page("clients", "Clients", ["clients": clients.map(Self.values), "hasClients": !clients.isEmpty, "canCreate": principal.isIntegrator])
        case "devices" where parts.count == 2:
            let details = try await service.deviceDetails(principal, id: parts[1])
            let today = FiscalDate(service.now())
            let names: [ProductionChecklist.Check: String] = [
                .certificateValid: "Certificate valid", .certificateTIN: "Certificate belongs to the client", .registrationCodes: "Registration codes",
                .licenseAllowsProduction: "License allows production", .testInvoice: "Invoice fiscalized in test",
            ]
            var values: [String: Any] = [
                "device": Self.values(details.device), "client": Self.values(details.client),
                "licenses": details.licenses.map { license -> [String: Any] in
                    let status = license.status(today: today)
                    return ["id": license.id, "environments": license.environments.joined(separator: ", "), "issued": license.issued.description,
                            "expires": license.expires.description, "status": status, "active": status == "active"]
                },
                "checklist": details.checklist.items.map { item -> [String: Any] in
                    ["status": item.status.rawValue, "symbol": item.status == .passed ? "✔" : item.status == .failed ? "✘" : "…",
                     "name": names[item.check] ?? item.check.rawValue, "detail": item.detail]
                },
                "green": details.checklist.isGreen, "isTest": details.device.environment == .test, "confirmation": details.device.tcrCode ?? details.device.internalID,
                "canWrite": principal.canWrite, "canLicense": principal.isIntegrator, "adminURL": publicURL,
            ]
            if let heartbeat = details.device.heartbeat { values["heartbeat"] = Self.values(heartbeat) }
            if let enrolmentToken { values["enrolmentToken"] = enrolmentToken }
            let device = details.device
            return page("device", "Device \(device.internalID)", values, defaults: [
                "devices": ["tcr_code": device.tcrCode ?? "", "software_code": device.softwareCode ?? "", "maintainer_code": device.maintainerCode ?? "",
                            "operator_code": device.operatorCode ?? ""],
            ])
        case "audit":
            var filter = try AuditQuery(query)
            filter.limit = Self.auditPageSize + 1
            var entries = try await service.auditLog(principal, filter)
            let hasOlder = entries.count > Self.auditPageSize
            entries = Array(entries.prefix(Self.auditPageSize))
            let filters = try await service.auditFilters(principal)
            func options(_ values: [(value: String, label: String)], chosen: String?) -> [[String: Any]] {
                values.map { ["value": $0.value, "label": $0.label, "selected": $0.value == chosen] }
            }
            // The filters as query parameters, for the paging links.
            let parameters: [(String, String?)] = [("action", filter.action), ("entity", filter.entity), ("entity_id", filter.entityID), ("actor", filter.actor)]
            let kept: [String] = parameters.compactMap { name, value in
                value.map { name + "=" + ($0.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics) ?? "") }
            }
            let actors: [(value: String, label: String)] = filters.actors.map { ($0.actor, $0.name == $0.actor ? $0.actor : "\($0.name) (\($0.actor))") }
            var values: [String: Any] = [
                "entries": entries.map(Self.values),
                "hasEntries": !entries.isEmpty, "filtered": !kept.isEmpty || filter.before != nil,
                "actions": options(filters.actions.map { ($0, $0) }, chosen: filter.action),
                "entities": options(filters.entities.map { ($0, $0.replacingOccurrences(of: "_", with: " ")) }, chosen: filter.entity),
                "actors": options(actors, chosen: filter.actor),
            ]
            if let entityID = filter.entityID { values["entityID"] = entityID }
            if hasOlder, let last = entries.last { values["older"] = "/audit?" + (kept + ["before=\(last.seq)"]).joined(separator: "&") }
            if filter.before != nil { values["newest"] = "/audit" + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&")) }
            return page("audit", "Audit log", values)
        case "tokens":
            let tokens = try await service.apiTokens(principal)
            var values: [String: Any] = ["tokens": tokens.map { token -> [String: Any] in
                var values: [String: Any] = ["id": token.id, "name": token.name, "createdAt": WebPages.display(token.createdAt)]
                if let revoked = token.revokedAt { values["revokedAt"] = WebPages.display(revoked) }
                return values
            }]
            if let secret { values["secret"] = secret }
            return page("tokens", "API tokens", values)
        default:
            let (devices, attention) = try await service.dashboard(principal)
            let today = FiscalDate(service.now())
            let invitations = try await service.invitations(principal).filter { $0.state == .pending }
            return page("dashboard", "Dashboard", [
                "devices": devices.map { row -> [String: Any] in
                    var values = Self.values(row.device)
                    values["clientName"] = row.clientName
                    values["licenseStatus"] = row.licenseStatus
                    switch (row.license, row.licenseStatus) {
                    case (let license?, "active"): values["license"] = "until \(license.expires)" + (today.days(until: license.expires) <= 30 ? " (renew)" : "")
                    case (let license?, "expired"): values["license"] = "expired \(license.expires)"
                    case (_, "revoked"): values["license"] = "revoked"
                    default: values["license"] = "no license"
                    }
                    return values
                },
                "hasDevices": !devices.isEmpty,
                "attention": attention.map { item -> [String: Any] in
                    var values: [String: Any] = ["kind": item.kind.rawValue, "clientID": item.clientID, "clientName": item.clientName, "message": item.message]
                    if let device = item.deviceID { values["deviceID"] = device }
                    if let name = item.deviceName { values["deviceName"] = name }
                    return values
                },
                "hasAttention": !attention.isEmpty,
                "invitations": invitations.map { ["id": $0.id, "clientName": $0.clientName, "integratorName": $0.integratorName, "state": $0.state.rawValue,
                                                  "canDecide": principal.isIntegrator && $0.integratorID == principal.organizationID] },
                "hasInvitations": !invitations.isEmpty,
            ])
        }
    }

    /// A form that came back with an error: which one (the last fixed part of its path, with `_`
    /// for `-`: `business_units`), what was typed (never passwords, tokens or the typed
    /// confirmation) and the field at fault.
    struct Refill: Sendable {
        /// The form's key in `form.<key>`.
        let form: String
        /// What was typed, without secrets.
        let values: [String: String]
        /// The field at fault, if the error names one.
        let field: String?

        /// The form posted to `path` (a route path) with `values`, refused for `field`.
        init(path: String, values: [String: String], field: String?) {
            form = path.split(separator: "/").last { !$0.hasPrefix(":") }.map { $0.replacingOccurrences(of: "-", with: "_") } ?? ""
            self.values = values.filter { key, _ in !key.contains("password") && !["csrf", "back", "confirm"].contains(key) }
            self.field = field
        }
    }

    /// What the templates read as `form.<form>.<field>`: `value`, `is.<value>` (to select an
    /// option) and `bad` (the field at fault), plus `form.<form>.failed`. A form shows `defaults`
    /// (the record) unless it came back with an error; then it shows what was typed.
    static func forms(_ defaults: [String: [String: String]], refill: Refill?) -> [String: Any] {
        var all = defaults
        if let refill { all[refill.form] = refill.values }
        var forms: [String: Any] = [:]
        for (form, fields) in all {
            var shown: [String: Any] = [:]
            for (name, value) in fields where !value.isEmpty { shown[name] = ["value": value, "is": [value: true]] }
            if let refill, refill.form == form {
                shown["failed"] = true
                if let field = refill.field { shown[field] = (shown[field] as? [String: Any] ?? [:]).merging(["bad": true]) { $1 } }
            }
            forms[form] = shown
        }
        return forms
    }

    /// Audit entries per page.
    static let auditPageSize = 50

    /// A request's query parameters as fields.
    static func query(_ request: Request) -> Fields {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
        return Fields(values)
    }

    static func warningText(_ warning: ExpiryWarning) -> String {
        warning == .expired ? "expired: upload the renewed certificate" : "expires within \(warning.rawValue) days"
    }

    /// An audit entry as the audit page shows it.
    static func values(_ entry: AuditEntry) -> [String: Any] {
        let changes: [[String: Any]] = entry.changes.map { change in
            ["field": change.field, "before": change.before ?? "", "after": change.after ?? "", "hasBefore": change.before != nil, "hasAfter": change.after != nil]
        }
        var values: [String: Any] = [
            "at": WebPages.display(entry.at), "actorName": entry.actorName ?? entry.actor, "action": entry.action, "subject": entry.subject ?? entry.entity,
            "changes": changes, "hasChanges": !changes.isEmpty,
        ]
        if let organization = entry.organizationName { values["organizationName"] = organization }
        return values
    }

    static func values(_ client: Organization) -> [String: Any] {
        ["id": client.id, "name": client.name, "tin": client.tin ?? "", "inVAT": client.inVAT, "vatNumber": client.vatNumber ?? "", "address": client.address ?? "",
         "town": client.town ?? "", "country": client.country, "administratorName": client.administratorName ?? "", "verified": client.verified]
    }

    static func values(_ unit: BusinessUnit) -> [String: Any] {
        ["id": unit.id, "code": unit.code, "name": unit.name, "address": unit.address ?? "", "town": unit.town ?? ""]
    }

    static func values(_ device: Device) -> [String: Any] {
        var values: [String: Any] = [
            "id": device.id, "businessUnitCode": device.businessUnitCode, "internalID": device.internalID, "tcrCode": device.tcrCode ?? "",
            "softwareCode": device.softwareCode ?? "", "maintainerCode": device.maintainerCode ?? "", "operatorCode": device.operatorCode ?? "",
            "environment": device.environment.rawValue, "state": device.state.rawValue, "retired": device.state == .retired,
            "lastSeen": "not yet",
        ]
        if let enrolledAt = device.enrolledAt { values["enrolledAt"] = WebPages.display(enrolledAt) }
        if let heartbeat = device.heartbeat { values.merge(Self.values(heartbeat)) { _, new in new } }
        return values
    }

    static func values(_ heartbeat: Heartbeat) -> [String: Any] {
        let report = heartbeat.report
        return ["lastSeen": WebPages.display(heartbeat.receivedAt), "version": report.version, "reportedEnvironment": report.environment, "pending": report.pending,
                "oldestDeadline": WebPages.display(report.oldestDeadline, none: "nothing pending"),
                "certificateExpiry": WebPages.display(report.certificateExpiry, none: "not reported"), "lastFIC": report.lastFIC ?? "none yet", "testInvoices": report.testInvoices, "productionInvoices": report.productionInvoices]
    }

    static func values(_ certificate: CertificateRecord) -> [String: Any] {
        var values: [String: Any] = [
            "id": certificate.id, "subject": certificate.subject, "tin": certificate.tin, "serial": certificate.serial, "fingerprint": certificate.fingerprint,
            "shortFingerprint": String(certificate.fingerprint.prefix(16)), "notBefore": WebPages.display(certificate.notBefore),
            "notAfter": WebPages.display(certificate.notAfter), "uploadedAt": WebPages.display(certificate.uploadedAt),
        ]
        if let retired = certificate.retiredAt { values["retiredAt"] = WebPages.display(retired) }
        return values
    }

    /// A local path to go back to: never another site (`//host`, `https:`).
    static func safePath(_ value: String?) -> String? {
        guard let value, value.hasPrefix("/"), !value.hasPrefix("//"), value.count < 300,
              value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" && $0 != ":" })
        else { return nil }
        return value
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !y.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
