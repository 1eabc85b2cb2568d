public import FiscalCore
import Foundation

extension AdminService {
    /// Creates (or replaces) a device's enrolment token, shown once: `fiscal-connector enroll
    /// --admin URL --token …` uses it, and the connector keeps using it to refresh and report.
    /// Replacing it cuts off the connector that holds the old one.
    public func createEnrolmentToken(_ principal: Principal, deviceID: String) async throws -> String {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot enrol devices") }
        let token = Self.newSecret(prefix: "fdt_")
        try await transaction { connection in
            let before = try self.device(connection, principal, deviceID)
            try connection.query("UPDATE device SET enrolment_token_hash = ?, device_key = NULL, enrolled_at = NULL WHERE id = ?",
                                 [.text(Self.secretHash(token)), .text(deviceID)])
            try self.audit(connection, principal, organization: before.clientID, action: "device.enrolment_token", entity: "device", id: deviceID,
                           before: before, after: try self.device(connection, deviceID))
        }
        return token
    }

    /// A connector enrols with its token and the public key its certificate will be sealed to.
    /// A token enrols once; a reinstalled connector needs a new token.
    public func enrol(token: String, publicKey: String) async throws -> DeviceProfile {
        let key: DeviceEnvelope.PublicKey
        do { key = try DeviceEnvelope.PublicKey(base64: publicKey) } catch {
            throw AdminError.invalid("public_key", "public_key is not an X25519 public key (32 bytes, base64): \(error.message)")
        }
        let now = now()
        return try await transaction { connection in
            let before = try self.enrolledDevice(connection, token: token)
            // A token enrols one key: whoever learns it later cannot have the certificate sealed to a key of theirs.
            let taken = try connection.query("UPDATE device SET device_key = ?, enrolled_at = ? WHERE id = ? AND device_key IS NULL RETURNING id",
                                             [.text(key.base64), SQLValue(now), .text(before.id)]).isEmpty
            guard !taken else {
                throw AdminError(.conflict, "this enrolment token was already used by a connector: to enrol this device again, create a new enrolment token on its page")
            }
            let after = try self.device(connection, before.id)
            try self.audit(connection, "device \(before.id)", actorID: nil, organization: before.clientID, action: "device.enrol", entity: "device", id: before.id,
                           before: before, after: after)
            return try self.profile(connection, after, sealedTo: key)
        }
    }

    /// The current profile of the device holding `token`.
    public func profile(token: String) async throws -> DeviceProfile {
        try await transaction { connection in
            let device = try self.enrolledDevice(connection, token: token)
            guard let text = try connection.queryOne("SELECT device_key FROM device WHERE id = ?", [.text(device.id)])?.optionalText("device_key") else {
                throw AdminError(.conflict, "the device has not enrolled yet: run fiscal-connector enroll")
            }
            return try self.profile(connection, device, sealedTo: try DeviceEnvelope.PublicKey(base64: text))
        }
    }

    /// Records a connector's report.
    public func recordHeartbeat(token: String, _ report: DeviceHeartbeat) async throws {
        guard report.version.count <= 50, report.environment.count <= 20, (report.lastFIC?.count ?? 0) <= 64,
              report.pending >= 0, report.testInvoices >= 0, report.productionInvoices >= 0 else {
            throw AdminError.invalid("heartbeat", "the report has out-of-range values")
        }
        // What the dashboard shows is plain text, never control or text-direction characters.
        for (field, value) in [("version", report.version), ("environment", report.environment), ("last_fic", report.lastFIC ?? "")] where !value.isPlainText {
            throw AdminError.invalid(field, "the report's \(field) contains control or text-direction characters; send plain text")
        }
        let now = now()
        try await transaction { connection in
            let device = try self.enrolledDevice(connection, token: token)
            try connection.query("""
                INSERT INTO heartbeat (device_id, received_at, version, environment, pending, oldest_deadline, certificate_expiry, last_fic, last_fiscalized_at, test_invoices, production_invoices)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (device_id) DO UPDATE SET received_at = excluded.received_at, version = excluded.version, environment = excluded.environment,
                    pending = excluded.pending, oldest_deadline = excluded.oldest_deadline, certificate_expiry = excluded.certificate_expiry,
                    last_fic = excluded.last_fic, last_fiscalized_at = excluded.last_fiscalized_at, test_invoices = excluded.test_invoices,
                    production_invoices = excluded.production_invoices
                """, [.text(device.id), SQLValue(now), .text(report.version), .text(report.environment), SQLValue(report.pending), SQLValue(report.oldestDeadline),
                      SQLValue(report.certificateExpiry), SQLValue(report.lastFIC), SQLValue(report.lastFiscalizedAt), SQLValue(report.testInvoices),
                      SQLValue(report.productionInvoices)])
        }
    }

    func enrolledDevice(_ connection: any SQLConnection, token: String) throws -> Device {
        guard token.hasPrefix("fdt_"), let row = try connection.queryOne("SELECT id FROM device WHERE enrolment_token_hash = ?", [.text(Self.secretHash(token))]) else {
            throw AdminError(.unauthenticated, "the device token is unknown or was replaced: create a new enrolment token on the device's page")
        }
        let found = try self.device(connection, try row.text("id"))
        guard found.state == .active else { throw AdminError(.forbidden, "the device is retired") }
        return found
    }

    /// The device's profile; its certificate sealed to `key` (none without a key).
    func profile(_ connection: any SQLConnection, _ device: Device, sealedTo key: DeviceEnvelope.PublicKey?) throws -> DeviceProfile {
        let missing = [("tcr_code", device.tcrCode), ("software_code", device.softwareCode), ("operator_code", device.operatorCode)].filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty, let tcr = device.tcrCode, let software = device.softwareCode, let operatorCode = device.operatorCode else {
            throw AdminError.invalid(missing[0], "device \(device.internalID) lacks \(missing.joined(separator: ", ")): enter the codes from the tax authority's portal on the device's page first")
        }
        let client = try organization(connection, device.clientID)
        let today = FiscalDate(now())
        let license = try licenses(connection, device.id).first { $0.status(today: today) == "active" }
        var certificate: DeviceProfile.SealedCertificate?
        var certificateID = "none"
        if let key, let current = try currentCertificate(connection, clientID: device.clientID) {
            let plaintext = try openCertificate(connection, id: current.record.id)
            let envelope = DeviceEnvelope.seal(plaintext, to: key, context: DeviceProfile.certificateContext(deviceID: device.id))
            certificate = DeviceProfile.SealedCertificate(id: current.record.id, notAfter: current.record.notAfter, envelope: Data(envelope).base64EncodedString())
            certificateID = current.record.id
        }
        var profile = DeviceProfile(
            revision: "", deviceID: device.id,
            taxpayer: .init(tin: client.tin ?? "", name: client.name, address: client.address, town: client.town, country: client.country, inVAT: client.inVAT),
            device: .init(businessUnit: device.businessUnitCode, tcrCode: tcr, softwareCode: software, maintainerCode: device.maintainerCode,
                          operatorCode: operatorCode, internalID: device.internalID),
            environment: device.environment.rawValue, taxAuthorityURL: settings.url(for: device.environment), licenseToken: license?.token,
            licenseKeys: [licenseKey.publicKey.pem], certificate: nil, refreshSeconds: settings.refreshSeconds)
        // The revision covers everything but the envelope, which is sealed afresh every time.
        let content = try FiscalJSON.encoder().encode(profile) + Data(certificateID.utf8)
        profile.revision = Hex.lower(Digest.sha256([UInt8](content)))
        profile.certificate = certificate
        return profile
    }
}
