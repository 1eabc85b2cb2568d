import FiscalCore
import Foundation

extension AdminService {
    /// Stores a client's certificate: any PKCS#12 flavour with its password. It must carry the
    /// client's TIN and be valid now; the file and its password are sealed under the master key.
    public func uploadCertificate(_ principal: Principal, clientID: String, pkcs12: [UInt8], password: String) async throws -> CertificateRecord {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot upload certificates") }
        guard !pkcs12.isEmpty else { throw AdminError.invalid("certificate", "no file was uploaded: choose the client's .p12 or .pfx file") }
        guard pkcs12.count <= settings.maximumCertificateBytes else {
            throw AdminError(.tooLarge, field: "certificate", "the file has \(pkcs12.count) bytes; a certificate file has a few kilobytes (at most \(settings.maximumCertificateBytes)): choose the .p12/.pfx file itself")
        }
        let identity: SigningIdentity
        do {
            identity = try await certificateGate.run { try SigningIdentity(pkcs12: pkcs12, password: password, source: "the uploaded file") }
        } catch let error as CertificateError {
            throw AdminError.invalid(error.code == .wrongPassword ? "password" : "certificate", error.message)
        }
        let certificate = identity.certificate
        // As the tax authority does: a certificate counts only when a trusted CA issued it.
        let trusted = settings.trustedCertificateAuthorities
        guard !trusted.isEmpty else {
            throw AdminError.invalid("certificate", "this server trusts no certificate authority yet, so it cannot check the certificate: start fiscal-admin with --trusted-ca FILE (the CA certificates the tax authority accepts)")
        }
        guard certificate.chains(to: trusted, through: identity.chain) else {
            throw AdminError.invalid("certificate", "the certificate '\(certificate.subject)' was issued by '\(certificate.issuer)', which is not a trusted certificate authority: upload the seal certificate your CA issued for fiscalization")
        }
        let now = now()
        guard certificate.isValid(at: now) else {
            throw AdminError.invalid("certificate", now < certificate.notBefore
                ? "the certificate is valid only from \(WebPages.display(certificate.notBefore)): upload it then"
                : "the certificate expired on \(WebPages.display(certificate.notAfter)): upload the renewed one")
        }
        guard let tin = certificate.taxpayerTIN?.value else {
            throw AdminError.invalid("certificate", "the certificate carries no organizationIdentifier VATME-<TIN>: it is not a fiscalization seal certificate")
        }
        let bundle = DeviceProfile.CertificateBundle(pkcs12: Data(pkcs12).base64EncodedString(), password: password)
        let plaintext = [UInt8](try FiscalJSON.encoder().encode(bundle))
        return try await transaction { connection in
            let client = try self.client(connection, principal, clientID)
            guard tin == client.tin else {
                throw AdminError.invalid("certificate", "the certificate is for TIN \(tin), the client \(client.name) has TIN \(client.tin ?? "none"): upload this client's certificate")
            }
            // The certificate proves the TIN: an unverified company becomes verified.
            if !client.verified {
                try self.requireFreeTIN(connection, tin)
                try connection.query("UPDATE organization SET verified = 1 WHERE id = ?", [.text(clientID)])
                try self.audit(connection, principal, organization: clientID, action: "client.verify", entity: "organization", id: clientID,
                               before: client, after: try self.organization(connection, clientID))
            }
            let record = CertificateRecord(id: Self.newID(), clientID: clientID, subject: certificate.subject, tin: tin, serial: certificate.serialNumber,
                                           notBefore: certificate.notBefore, notAfter: certificate.notAfter, uploadedAt: now,
                                           fingerprint: certificate.sha256Fingerprint, retiredAt: nil)
            let sealed = self.masterKey.seal(plaintext, context: "certificate:" + record.id)
            try connection.query("""
                INSERT INTO certificate (id, client_id, subject, tin, serial, not_before, not_after, der, sealed, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(record.id), .text(clientID), .text(record.subject), .text(tin), .text(record.serial), SQLValue(record.notBefore), SQLValue(record.notAfter),
                      .text(Data(certificate.der).base64EncodedString()), .text(Data(sealed).base64EncodedString()), SQLValue(now)])
            try self.audit(connection, principal, organization: clientID, action: "certificate.upload", entity: "certificate", id: record.id, before: CertificateRecord?.none, after: record)
            return record
        }
    }

    /// Retires a certificate (a duplicate upload, or one replaced early): it stays in the list but
    /// connectors, the checklist and expiry warnings no longer use it. The one in use cannot be
    /// retired while a device of the client is in production and no other valid certificate remains.
    public func retireCertificate(_ principal: Principal, id: String) async throws -> CertificateRecord {
        guard principal.canWrite else { throw AdminError.forbidden("a client viewer cannot retire certificates") }
        let now = now()
        return try await transaction { connection in
            guard let row = try connection.queryOne("SELECT * FROM certificate WHERE id = ?", [.text(id)]) else { throw AdminError.notFound("certificate", id) }
            let before = try Self.certificate(row)
            do { _ = try self.client(connection, principal, before.clientID) } catch { throw AdminError.notFound("certificate", id) }
            if let retired = before.retiredAt {
                throw AdminError(.conflict, "certificate \(before.serial) was already retired on \(WebPages.display(retired))")
            }
            let replacement = try connection.queryOne("SELECT id FROM certificate WHERE client_id = ? AND id <> ? AND retired_at IS NULL AND not_after > ?",
                                                      [.text(before.clientID), .text(id), SQLValue(now)])
            if try self.currentCertificate(connection, clientID: before.clientID)?.record.id == id, replacement == nil,
               let device = try connection.queryOne("SELECT internal_id FROM device WHERE client_id = ? AND environment = 'production' AND state = 'active'",
                                                    [.text(before.clientID)]) {
                throw AdminError(.conflict, "certificate \(before.serial) is the one in use and device \(try device.text("internal_id")) is in production: upload the new certificate first, then retire this one")
            }
            guard !(try connection.query("UPDATE certificate SET retired_at = ? WHERE id = ? AND retired_at IS NULL RETURNING id", [SQLValue(now), .text(id)]).isEmpty) else {
                throw AdminError(.conflict, "certificate \(before.serial) was retired in the meantime")
            }
            var after = before
            after.retiredAt = now
            try self.audit(connection, principal, organization: before.clientID, action: "certificate.retire", entity: "certificate", id: id, before: before, after: after)
            return after
        }
    }

    /// A client's certificates, newest first; the newest not retired is the one connectors get.
    public func certificates(_ principal: Principal, clientID: String) async throws -> [CertificateRecord] {
        try await transaction { connection in
            _ = try self.client(connection, principal, clientID)
            return try connection.query("SELECT * FROM certificate WHERE client_id = ? ORDER BY id DESC", [.text(clientID)]).map(Self.certificate)
        }
    }

    /// Certificates that need attention: every visible client's current certificate with the
    /// warning due today (60, 30, 15, 7 days, expired), most urgent first.
    public func certificateWarnings(_ principal: Principal) async throws -> [(client: Organization, certificate: CertificateRecord, warning: ExpiryWarning)] {
        let now = now()
        let clients = try await clients(principal)
        return try await transaction { connection in
            try clients.compactMap { client in
                guard let current = try self.currentCertificate(connection, clientID: client.id)?.record,
                      let warning = ExpiryWarning.due(notAfter: current.notAfter, at: now) else { return nil }
                return (client, current, warning)
            }.sorted { $0.warning > $1.warning }
        }
    }

    /// The certificate connectors get: the client's newest not retired, with its DER (base64).
    func currentCertificate(_ connection: any SQLConnection, clientID: String) throws -> (record: CertificateRecord, der: String)? {
        guard let row = try connection.queryOne("SELECT * FROM certificate WHERE client_id = ? AND retired_at IS NULL ORDER BY id DESC LIMIT 1", [.text(clientID)]) else {
            return nil
        }
        return (try Self.certificate(row), try row.text("der"))
    }

    /// Opens a stored certificate's sealed file and password.
    func openCertificate(_ connection: any SQLConnection, id: String) throws -> [UInt8] {
        guard let row = try connection.queryOne("SELECT sealed FROM certificate WHERE id = ?", [.text(id)]),
              let sealed = Data(base64Encoded: try row.text("sealed")) else { throw AdminError(.internal, "certificate \(id) has no sealed key") }
        do {
            return try masterKey.open([UInt8](sealed), context: "certificate:" + id)
        } catch {
            throw AdminError(.internal, error.message)
        }
    }

    static func certificate(_ row: SQLRow) throws -> CertificateRecord {
        CertificateRecord(id: try row.text("id"), clientID: try row.text("client_id"), subject: try row.text("subject"), tin: try row.text("tin"),
                          serial: try row.text("serial"), notBefore: try row.date("not_before"), notAfter: try row.date("not_after"), uploadedAt: try row.date("uploaded_at"),
                          fingerprint: try Certificate(der: [UInt8](Data(base64Encoded: try row.text("der")) ?? Data())).sha256Fingerprint,
                          retiredAt: try row.optionalDate("retired_at"))
    }
}
