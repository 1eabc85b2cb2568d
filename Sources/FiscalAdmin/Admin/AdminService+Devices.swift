import FiscalCore
import Foundation

extension AdminService {
    /// Everything a device page shows.
    public struct DeviceDetails: Sendable {
        /// The device.
        public let device: Device
        /// Its client.
        public let client: Organization
        /// Its licenses, newest first.
        public var licenses: [LicenseRecord]
        /// The client's current certificate.
        public let certificate: CertificateRecord?
        /// Whether it may switch to production.
        public let checklist: ProductionChecklist
    }

    /// Adds a device to a business unit. Fields: `business_unit_id`, `internal_id`, `tcr_code`,
    /// `software_code`, `maintainer_code`, `operator_code` (codes may follow later).
    public func createDevice(_ principal: Principal, clientID: String, _ fields: Fields) async throws -> Device {
        try await createDevices(principal, clientID: clientID, fields, internalIDs: [try fields.text("internal_id", "the device's internal id (TCRIntID), such as 1", limit: 50)!]).first!
    }

    /// Adds many devices to one business unit: `count` devices numbered from `first_internal_id`
    /// (default 1), all with the same software, maintainer and operator codes; their TCR codes are
    /// entered per device once the tax authority has issued them.
    public func createDevices(_ principal: Principal, clientID: String, _ fields: Fields) async throws -> [Device] {
        let countText = try fields.required("count", "how many devices to create")
        guard let count = Int(countText), (1...settings.maximumBulkDevices).contains(count) else {
            throw AdminError.invalid("count", "count '\(countText)' must be a number from 1 to \(settings.maximumBulkDevices)")
        }
        let firstText = fields.optional("first_internal_id") ?? "1"
        guard let first = Int(firstText), first >= 1, first <= 999_999 else {
            throw AdminError.invalid("first_internal_id", "first_internal_id '\(firstText)' must be a whole number from 1 to 999999")
        }
        if fields.optional("tcr_code") != nil {
            throw AdminError.invalid("tcr_code", "each device has its own TCR code: leave tcr_code empty in a bulk creation and enter it per device")
        }
        return try await createDevices(principal, clientID: clientID, fields, internalIDs: (first..<(first + count)).map(String.init))
    }

    private func createDevices(_ principal: Principal, clientID: String, _ fields: Fields, internalIDs: [String]) async throws -> [Device] {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot add devices") }
        let unitID = try fields.required("business_unit_id", "the business unit the device stands in")
        let tcr = try fields.code("tcr_code", "the TCR code")
        let software = try fields.code("software_code", "the software code")
        let maintainer = try fields.code("maintainer_code", "the maintainer code")
        let operatorCode = try fields.code("operator_code", "the default operator code")
        let now = now()
        return try await transaction { connection in
            _ = try self.client(connection, principal, clientID)
            guard try connection.queryOne("SELECT id FROM business_unit WHERE id = ? AND client_id = ?", [.text(unitID), .text(clientID)]) != nil else {
                throw AdminError.invalid("business_unit_id", "business unit \(unitID) is not one of this client's: pick one from the client's page")
            }
            if let tcr, try connection.queryOne("SELECT id FROM device WHERE client_id = ? AND tcr_code = ?", [.text(clientID), .text(tcr)]) != nil {
                throw AdminError(.conflict, field: "tcr_code", "another device of this client has TCR code \(tcr)")
            }
            var created: [Device] = []
            for internalID in internalIDs {
                if try connection.queryOne("SELECT id FROM device WHERE business_unit_id = ? AND internal_id = ?", [.text(unitID), .text(internalID)]) != nil {
                    throw AdminError(.conflict, field: internalIDs.count == 1 ? "internal_id" : "first_internal_id",
                                     "the business unit already has a device with internal id \(internalID): choose other numbers")
                }
                let id = Self.newID()
                try connection.query("""
                    INSERT INTO device (id, client_id, business_unit_id, internal_id, tcr_code, software_code, maintainer_code, operator_code, environment, state, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'test', 'active', ?)
                    """, [.text(id), .text(clientID), .text(unitID), .text(internalID), SQLValue(tcr), SQLValue(software), SQLValue(maintainer), SQLValue(operatorCode), SQLValue(now)])
                let device = try self.device(connection, id)
                try self.audit(connection, principal, organization: clientID, action: "device.create", entity: "device", id: id, before: Device?.none, after: device)
                created.append(device)
            }
            return created
        }
    }

    /// Changes a device's codes or state. Fields: `tcr_code`, `software_code`, `maintainer_code`,
    /// `operator_code`, `state` (`active` | `retired`); a missing field keeps its value. A device in
    /// production keeps its codes: switch it back to test first.
    public func updateDevice(_ principal: Principal, id: String, _ fields: Fields) async throws -> Device {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot change devices") }
        let codes: [(column: String, value: String?)] = [
            ("tcr_code", try fields.code("tcr_code", "the TCR code")), ("software_code", try fields.code("software_code", "the software code")),
            ("maintainer_code", try fields.code("maintainer_code", "the maintainer code")), ("operator_code", try fields.code("operator_code", "the operator code")),
        ]
        let stateText = fields.optional("state")
        let state = stateText.flatMap(Device.State.init(rawValue:))
        if let stateText, state == nil { throw AdminError.invalid("state", "state '\(stateText)' is neither active nor retired") }
        return try await transaction { connection in
            let before = try self.device(connection, principal, id)
            let changes = codes.filter { $0.value != nil }
            if before.environment == .production, !changes.isEmpty || state == .retired {
                throw AdminError(.conflict, field: changes.first?.column ?? "state", "device \(before.internalID) is in production: switch it back to test before changing its codes or retiring it")
            }
            if let tcr = codes[0].value, tcr != before.tcrCode {
                if try connection.queryOne("SELECT id FROM device WHERE client_id = ? AND tcr_code = ? AND id <> ?", [.text(before.clientID), .text(tcr), .text(id)]) != nil {
                    throw AdminError(.conflict, field: "tcr_code", "another device of this client has TCR code \(tcr)")
                }
                // A license names the TCR code: changing it would leave the connector with a license for another device.
                let today = FiscalDate(self.now())
                if try self.licenses(connection, id).contains(where: { $0.status(today: today) == "active" }) {
                    throw AdminError(.conflict, field: "tcr_code", "device \(before.internalID) holds a license for TCR code \(before.tcrCode ?? ""): revoke it, change the code, then issue a new license")
                }
            }
            for change in changes {
                try connection.query("UPDATE device SET \(change.column) = ? WHERE id = ?", [SQLValue(change.value), .text(id)])
            }
            if let state { try connection.query("UPDATE device SET state = ? WHERE id = ?", [.text(state.rawValue), .text(id)]) }
            let after = try self.device(connection, id)
            try self.audit(connection, principal, organization: before.clientID, action: "device.update", entity: "device", id: id, before: before, after: after)
            return after
        }
    }

    /// A client's devices with their last reports.
    public func devices(_ principal: Principal, clientID: String) async throws -> [Device] {
        try await transaction { connection in
            _ = try self.client(connection, principal, clientID)
            return try connection.query("\(Self.deviceQuery) WHERE device.client_id = ? ORDER BY business_unit.code, device.internal_id", [.text(clientID)]).map(Self.device)
        }
    }

    /// Every device visible to the caller (the dashboard), with its client's name.
    public func allDevices(_ principal: Principal) async throws -> [(device: Device, clientName: String)] {
        try await transaction { connection in
            try connection.query("""
                \(Self.deviceQuery) WHERE client.administrator_id = ? OR client.id = ? ORDER BY client.name, business_unit.code, device.internal_id
                """, [.text(principal.organizationID), .text(principal.organizationID)]).map { row in (try Self.device(row), try row.text("client_name")) }
        }
    }

    /// A device with its licenses, certificate and checklist. A client viewer gets the licenses
    /// without their tokens (`token` is empty): a token lets any connector fiscalize as the device.
    public func deviceDetails(_ principal: Principal, id: String) async throws -> DeviceDetails {
        let now = now()
        return try await transaction { connection in
            let device = try self.device(connection, principal, id)
            var details = try self.details(connection, device, at: now)
            if !principal.canWrite {
                details.licenses = details.licenses.map { license in
                    var hidden = license
                    hidden.token = ""
                    return hidden
                }
            }
            return details
        }
    }

    /// Switches a device between test and production. Fields: `environment`, `confirm` (the
    /// device's TCR code, typed to confirm). Production needs a green checklist.
    public func switchEnvironment(_ principal: Principal, id: String, _ fields: Fields) async throws -> Device {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot switch devices") }
        let text = try fields.required("environment", "test or production")
        guard let target = Device.Environment(rawValue: text) else { throw AdminError.invalid("environment", "environment '\(text)' is neither test nor production") }
        let confirmation = fields.optional("confirm")
        let now = now()
        return try await transaction { connection in
            let before = try self.device(connection, principal, id)
            guard before.environment != target else { throw AdminError(.conflict, field: "environment", "device \(before.internalID) is already in \(target.rawValue)") }
            guard before.state == .active else { throw AdminError(.conflict, "device \(before.internalID) is retired: reactivate it first") }
            let expected = before.tcrCode ?? before.internalID
            guard confirmation == expected else {
                throw AdminError(.checklist, field: "confirm", "to confirm the switch to \(target.rawValue), type the device's TCR code \(expected) into confirm")
            }
            if target == .production {
                let checklist = try self.details(connection, before, at: now).checklist
                guard checklist.isGreen else {
                    throw AdminError(.checklist, "the production checklist is not green: " + checklist.failures.map(\.detail).joined(separator: "; "))
                }
            }
            try connection.query("UPDATE device SET environment = ? WHERE id = ?", [.text(target.rawValue), .text(id)])
            let after = try self.device(connection, id)
            try self.audit(connection, principal, organization: before.clientID, action: "device.switch_environment", entity: "device", id: id, before: before, after: after)
            return after
        }
    }

    // MARK: Licenses

    /// Issues a license for a device (integrators only), revoking the one it held. Fields: `environments` (`test`,
    /// `production` or `test,production`; default both), `expires` (YYYY-MM-DD; default a year).
    public func issueLicense(_ principal: Principal, deviceID: String, _ fields: Fields) async throws -> LicenseRecord {
        guard principal.isIntegrator else { throw AdminError.forbidden("licenses are issued by the client's integrator") }
        let (environments, expires) = try licenseTerms(fields)
        return try await transaction { connection in
            let device = try self.device(connection, principal, deviceID)
            return try self.issue(connection, principal, device, environments: environments, expires: expires, action: "license.issue")
        }
    }

    /// Replaces a license with a new one (new expiry; the same environments unless given).
    public func renewLicense(_ principal: Principal, id: String, _ fields: Fields) async throws -> LicenseRecord {
        guard principal.isIntegrator else { throw AdminError.forbidden("licenses are renewed by the client's integrator") }
        return try await transaction { connection in
            let old = try self.license(connection, principal, id)
            guard old.revokedAt == nil else { throw AdminError(.conflict, "license \(id) was revoked: issue a new one instead") }
            var terms = fields
            if terms.optional("environments") == nil { terms.values["environments"] = old.environments.joined(separator: ",") }
            // Renewing extends from the old expiry, never shortens.
            let from = max(FiscalDate(self.now()), old.expires)
            if terms.optional("expires") == nil { terms.values["expires"] = from.adding(days: self.settings.licenseDays).description }
            let (environments, expires) = try self.licenseTerms(terms)
            guard expires >= old.expires else {
                throw AdminError.invalid("expires", "expires \(expires) is before the license's current expiry \(old.expires): a renewal extends it")
            }
            let device = try self.device(connection, principal, old.deviceID)
            return try self.issue(connection, principal, device, environments: environments, expires: expires, action: "license.renew")
        }
    }

    /// Revokes a license: the device's connector drops it at its next refresh.
    public func revokeLicense(_ principal: Principal, id: String) async throws -> LicenseRecord {
        guard principal.isIntegrator else { throw AdminError.forbidden("licenses are revoked by the client's integrator") }
        return try await transaction { connection in
            let license = try self.license(connection, principal, id)
            guard license.revokedAt == nil else { throw AdminError(.conflict, "license \(id) is already revoked") }
            let device = try self.device(connection, principal, license.deviceID)
            return try self.revoke(connection, principal, license, organization: device.clientID)
        }
    }

    /// The device's `connector.toml`, to use beside its certificate (`certificate.p12`, password
    /// in `FISCAL_CERT_PASSWORD`) and the license authority's key (`license-authority.pub`).
    public func connectorConfiguration(_ principal: Principal, deviceID: String) async throws -> String {
        guard principal.canWrite else {
            throw AdminError.forbidden("a client viewer cannot download connector.toml: it holds the device's license; ask a client admin")
        }
        return try await transaction { connection in
            let device = try self.device(connection, principal, deviceID)
            return try self.profile(connection, device, sealedTo: nil).connectorTOML(
                certificateFile: "certificate.p12", passwordFile: nil, trustedKeyFile: LicenseAuthority.publicKeyFile)
        }
    }

    // MARK: Helpers

    func licenseTerms(_ fields: Fields) throws(AdminError) -> ([String], FiscalDate) {
        let environments = (fields.optional("environments") ?? "test,production").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !environments.isEmpty, environments.allSatisfy({ Device.Environment(rawValue: $0) != nil }), Set(environments).count == environments.count else {
            throw .invalid("environments", "environments '\(fields.optional("environments") ?? "")' must be test, production or test,production")
        }
        let today = FiscalDate(now())
        guard let text = fields.optional("expires") else { return (environments, today.adding(days: settings.licenseDays)) }
        guard let expires = FiscalDate(text) else { throw .invalid("expires", "expires '\(text)' is not a date such as 2027-12-31") }
        guard expires >= today else { throw .invalid("expires", "expires \(text) is in the past: choose a later day") }
        guard today.days(until: expires) <= 4 * 366 else { throw .invalid("expires", "expires \(text) is more than three years away: renew instead") }
        return (environments, expires)
    }

    func issue(_ connection: any SQLConnection, _ principal: Principal, _ device: Device, environments: [String], expires: FiscalDate, action: String) throws -> LicenseRecord {
        guard device.state == .active else { throw AdminError(.conflict, "device \(device.internalID) is retired: reactivate it before licensing it") }
        // A license names the device's codes; it is issued only once all of them are entered.
        for (field, name, value) in [("tcr_code", "TCR code", device.tcrCode), ("software_code", "software code", device.softwareCode),
                                     ("maintainer_code", "maintainer code", device.maintainerCode), ("operator_code", "operator code", device.operatorCode)] where value == nil {
            throw AdminError.invalid(field, "device \(device.internalID) has no \(name) yet: enter the code the tax authority's portal issued, then license it")
        }
        let tcr = device.tcrCode ?? ""
        // Take the device's row first, so that two issues for one device (on PostgreSQL) take turns.
        try connection.query("UPDATE device SET id = id WHERE id = ?", [.text(device.id)])
        let client = try organization(connection, device.clientID)
        guard client.verified else {
            throw AdminError(.conflict, "\(client.name) has not proven its TIN \(client.tin ?? ""): upload its certificate, or accept its invitation as its integrator, before licensing its devices")
        }
        let today = FiscalDate(now())
        // One license per device: a new one replaces whatever the device held.
        for previous in try licenses(connection, device.id) where previous.revokedAt == nil && previous.expires >= today {
            try revoke(connection, principal, previous, organization: device.clientID)
        }
        let issued = try LicenseAuthority.issue(id: Self.newID(), key: licenseKey, tin: client.tin ?? "", businessUnit: device.businessUnitCode, device: tcr,
                                                environments: environments, expires: expires, issued: today)
        let record = LicenseRecord(id: issued.license.id, deviceID: device.id, token: issued.token, environments: environments, issued: today,
                                   expires: expires, createdAt: now(), revokedAt: nil)
        try connection.query("INSERT INTO license (id, device_id, token, environments, issued, expires, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [.text(record.id), .text(device.id), .text(record.token), .text(environments.joined(separator: ",")), .text(today.description),
                              .text(expires.description), SQLValue(record.createdAt)])
        var audited = record
        audited.token = "(signed token)"
        try audit(connection, principal, organization: device.clientID, action: action, entity: "license", id: record.id, before: LicenseRecord?.none, after: audited)
        return record
    }

    @discardableResult
    func revoke(_ connection: any SQLConnection, _ principal: Principal, _ license: LicenseRecord, organization: String) throws -> LicenseRecord {
        var after = license
        after.revokedAt = now()
        try connection.query("UPDATE license SET revoked_at = ? WHERE id = ?", [SQLValue(after.revokedAt), .text(license.id)])
        var before = license, audited = after
        before.token = "(signed token)"
        audited.token = "(signed token)"
        try audit(connection, principal, organization: organization, action: "license.revoke", entity: "license", id: license.id, before: before, after: audited)
        return after
    }

    func licenses(_ connection: any SQLConnection, _ deviceID: String) throws -> [LicenseRecord] {
        try connection.query("SELECT * FROM license WHERE device_id = ? ORDER BY id DESC", [.text(deviceID)]).map(Self.license)
    }

    func license(_ connection: any SQLConnection, _ principal: Principal, _ id: String) throws -> LicenseRecord {
        guard let row = try connection.queryOne("SELECT * FROM license WHERE id = ?", [.text(id)]) else { throw AdminError.notFound("license", id) }
        let license = try Self.license(row)
        do { _ = try self.device(connection, principal, license.deviceID) } catch { throw AdminError.notFound("license", id) }
        return license
    }

    static func license(_ row: SQLRow) throws -> LicenseRecord {
        guard let issued = FiscalDate(try row.text("issued")), let expires = FiscalDate(try row.text("expires")) else {
            throw StoreError(.corrupt, "license \(try row.text("id")) has malformed dates")
        }
        return LicenseRecord(id: try row.text("id"), deviceID: try row.text("device_id"), token: try row.text("token"),
                             environments: try row.text("environments").split(separator: ",").map(String.init), issued: issued, expires: expires,
                             createdAt: try row.date("created_at"), revokedAt: try row.optionalDate("revoked_at"))
    }

    func details(_ connection: any SQLConnection, _ device: Device, at now: Date) throws -> DeviceDetails {
        let client = try organization(connection, device.clientID)
        let licenses = try licenses(connection, device.id)
        let today = FiscalDate(now)
        let current = try currentCertificate(connection, clientID: device.clientID)
        let certificate = try current.map { try Certificate(der: [UInt8](Data(base64Encoded: $0.der) ?? Data())) }
        let license = licenses.first { $0.status(today: today) == "active" }.flatMap { try? License.verify($0.token, trustedKeys: [licenseKey.publicKey]) }
        let facts = ProductionChecklist.Facts(
            clientTIN: client.tin ?? "", clientVerified: client.verified, certificate: certificate, businessUnitCode: device.businessUnitCode, tcrCode: device.tcrCode,
            softwareCode: device.softwareCode, maintainerCode: device.maintainerCode, operatorCode: device.operatorCode, license: license,
            testInvoicesFiscalized: device.heartbeat?.report.testInvoices)
        return DeviceDetails(device: device, client: client, licenses: licenses, certificate: current?.record, checklist: ProductionChecklist(facts, at: now))
    }

    static let deviceQuery = """
        SELECT device.*, business_unit.code AS business_unit_code, heartbeat.received_at, heartbeat.version, heartbeat.environment AS reported_environment,
               heartbeat.pending, heartbeat.oldest_deadline, heartbeat.certificate_expiry, heartbeat.last_fic, heartbeat.last_fiscalized_at,
               heartbeat.test_invoices, heartbeat.production_invoices, client.name AS client_name
        FROM device JOIN business_unit ON business_unit.id = device.business_unit_id JOIN organization client ON client.id = device.client_id
        LEFT JOIN heartbeat ON heartbeat.device_id = device.id
        """

    func device(_ connection: any SQLConnection, _ id: String) throws -> Device {
        guard let row = try connection.queryOne("\(Self.deviceQuery) WHERE device.id = ?", [.text(id)]) else {
            throw AdminError.notFound("device", id)
        }
        return try Self.device(row)
    }

    /// A device of a client visible to the caller.
    func device(_ connection: any SQLConnection, _ principal: Principal, _ id: String) throws -> Device {
        let device: Device
        do { device = try self.device(connection, id) } catch { throw AdminError.notFound("device", id) }
        do { _ = try client(connection, principal, device.clientID) } catch { throw AdminError.notFound("device", id) }
        return device
    }

    static func device(_ row: SQLRow) throws -> Device {
        var heartbeat: Heartbeat?
        if let received = try row.optionalDate("received_at") {
            heartbeat = Heartbeat(receivedAt: received, report: DeviceHeartbeat(
                version: try row.text("version"), environment: try row.text("reported_environment"), pending: try row.integer("pending"),
                oldestDeadline: try row.optionalDate("oldest_deadline"), certificateExpiry: try row.optionalDate("certificate_expiry"),
                lastFIC: try row.optionalText("last_fic"), lastFiscalizedAt: try row.optionalDate("last_fiscalized_at"),
                testInvoices: try row.integer("test_invoices"), productionInvoices: try row.integer("production_invoices")))
        }
        return Device(id: try row.text("id"), clientID: try row.text("client_id"), businessUnitID: try row.text("business_unit_id"),
                      businessUnitCode: try row.text("business_unit_code"), internalID: try row.text("internal_id"), tcrCode: try row.optionalText("tcr_code"),
                      softwareCode: try row.optionalText("software_code"), maintainerCode: try row.optionalText("maintainer_code"),
                      operatorCode: try row.optionalText("operator_code"), environment: Device.Environment(rawValue: try row.text("environment")) ?? .test,
                      state: Device.State(rawValue: try row.text("state")) ?? .active, enrolledAt: try row.optionalDate("enrolled_at"),
                      createdAt: try row.date("created_at"), heartbeat: heartbeat)
    }
}
