public import FiscalCore
public import Foundation

/// What a device's profile says, in short, after it was applied.
public struct EnrolmentSummary: Sendable, Equatable, CustomStringConvertible {
    /// The admin server's id for the device.
    public var deviceID: String
    /// The device's internal id, business unit and TCR code, e.g. `1 in xx123xx123 (TCR si747we972)`.
    public var device: String
    /// The taxpayer's name and TIN.
    public var taxpayer: String
    /// `test` or `production`.
    public var environment: String
    /// The profile's revision.
    public var revision: String
    /// The license's last day, when the profile has a valid one.
    public var licenseExpires: FiscalDate?
    /// The certificate's last moment of validity, when the profile has one.
    public var certificateExpires: Date?
    /// What still keeps the connector from issuing invoices, and who fixes it.
    public var missing: [String]

    /// A few lines for a person.
    public var description: String {
        var lines = [
            "device       \(device), \(taxpayer)",
            "environment  \(environment)",
            "license      \(licenseExpires.map { "until \($0)" } ?? "none")",
            "certificate  \(certificateExpires.map { "until \(ISOTime.string($0))" } ?? "none yet")",
        ]
        lines += missing.map { "note         " + $0 }
        return lines.joined(separator: "\n")
    }
}

extension DeviceEnrolment {
    /// Tables of `connector.toml` that belong to this machine, not to the profile: kept when the
    /// profile rewrites the file (a journal moved elsewhere must stay where it is, VAT rates set
    /// ahead of a law change must stay set).
    static let localTables: Set<String> = ["journal", "api", "cash", "delivery", "vat"]

    /// Writes a profile's files into the folder: the certificate and its password (when the profile
    /// has one), the license authority's keys, `connector.toml`, and last `enrolment.json`. Everything
    /// is checked before the first file is written; each file is replaced atomically, and
    /// `connector.toml` after the files it names, so a crash leaves the previous set (at worst with the
    /// new certificate beside the old configuration) and the next refresh applies the profile again.
    func apply(_ profile: DeviceProfile, key: DeviceEnvelope.PrivateKey, adminURL: String, token: String, now: Date) throws(EnrolmentError) -> EnrolmentSummary {
        let licenseKeys = try Self.checkLicenseKeys(profile)
        let bundle = try profile.certificate.map { sealed throws(EnrolmentError) in try Self.openCertificate(sealed, profile: profile, key: key) }
        var toml = profile.connectorTOML(certificateFile: Self.certificateFile, passwordFile: Self.passwordFile, trustedKeyFile: Self.licenseKeysFile)
        if let existing = FileManager.default.contents(atPath: configurationPath) {
            let kept = Self.tables(Self.localTables, of: String(decoding: existing, as: UTF8.self))
            if !kept.isEmpty { toml += "\n# kept from the previous connector.toml: settings of this machine\n" + kept }
        }
        do {
            _ = try ConnectorConfiguration.parse(toml, baseDirectory: directory)
        } catch {
            throw EnrolmentError(.badProfile, "the profile \(profile.revision.prefix(12)) does not make a valid connector.toml (\(error)): correct the device in fiscal-admin; the previous files stay in use")
        }

        if let bundle {
            try AtomicFile.write(bundle.pkcs12, to: path(Self.certificateFile), mode: 0o600)
            try AtomicFile.write(bundle.password + "\n", to: path(Self.passwordFile), mode: 0o600)
        }
        let pems = profile.licenseKeys.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined()
        try AtomicFile.write(pems, to: path(Self.licenseKeysFile), mode: 0o644)
        try AtomicFile.write(toml, to: configurationPath, mode: 0o644)
        try write(EnrolmentRecord(adminURL: adminURL, token: token, deviceID: profile.deviceID, revision: profile.revision,
                                  refreshSeconds: profile.refreshSeconds, fetchedAt: now, attemptedAt: now))
        return Self.summary(profile, licenseKeys: licenseKeys, certificate: bundle?.identity, now: now)
    }

    /// Every license key parsed, so a damaged key is refused before it replaces a working one.
    static func checkLicenseKeys(_ profile: DeviceProfile) throws(EnrolmentError) -> [Ed25519.PublicKey] {
        guard !profile.licenseKeys.isEmpty else {
            throw EnrolmentError(.badProfile, "the profile names no license authority key: set up the license authority in fiscal-admin")
        }
        var keys: [Ed25519.PublicKey] = []
        for (index, pem) in profile.licenseKeys.enumerated() {
            do {
                keys += try LicenseKeys.publicKeys(pem: pem, file: "license_keys[\(index)]")
            } catch {
                throw EnrolmentError(.badProfile, "the profile's license key \(index + 1) is not an Ed25519 public key in PEM form (\(error.message)): check the license authority in fiscal-admin")
            }
        }
        return keys
    }

    /// The certificate and its password out of their envelope, checked to open.
    static func openCertificate(_ sealed: DeviceProfile.SealedCertificate, profile: DeviceProfile,
                                key: DeviceEnvelope.PrivateKey) throws(EnrolmentError) -> (pkcs12: [UInt8], password: String, identity: SigningIdentity) {
        guard let envelope = Data(base64Encoded: sealed.envelope) else {
            throw EnrolmentError(.badProfile, "the certificate \(sealed.id) in the profile is not base64: the admin server sent a damaged profile")
        }
        let plaintext: [UInt8]
        do {
            plaintext = try DeviceEnvelope.open(Array(envelope), with: key, context: DeviceProfile.certificateContext(deviceID: profile.deviceID))
        } catch {
            throw EnrolmentError(.badProfile, "the certificate \(sealed.id) does not open with this folder's device.key (\(error.message)): if device.key was replaced, enroll again with a new enrolment token")
        }
        let bundle: DeviceProfile.CertificateBundle
        do {
            bundle = try FiscalJSON.decoder().decode(DeviceProfile.CertificateBundle.self, from: Data(plaintext))
        } catch {
            throw EnrolmentError(.badProfile, "the certificate \(sealed.id) opened but is not a certificate bundle: the admin server sent a damaged profile")
        }
        guard let pkcs12 = Data(base64Encoded: bundle.pkcs12) else {
            throw EnrolmentError(.badProfile, "the certificate \(sealed.id)'s PKCS#12 is not base64: upload the certificate again in fiscal-admin")
        }
        do {
            let identity = try SigningIdentity(pkcs12: Array(pkcs12), password: bundle.password, source: "certificate \(sealed.id)")
            return (Array(pkcs12), bundle.password, identity)
        } catch {
            throw EnrolmentError(.badProfile, "the certificate \(sealed.id) does not open with the password sent with it (\(error)): upload the certificate again in fiscal-admin")
        }
    }

    /// The summary, with what is still missing before the connector can issue invoices.
    static func summary(_ profile: DeviceProfile, licenseKeys: [Ed25519.PublicKey], certificate: SigningIdentity?, now: Date) -> EnrolmentSummary {
        var missing: [String] = []
        var licenseExpires: FiscalDate?
        if let token = profile.licenseToken {
            do {
                let license = try License.verify(token, trustedKeys: licenseKeys)
                licenseExpires = license.expires
                try license.check(tin: profile.taxpayer.tin, businessUnit: profile.device.businessUnit, device: profile.device.tcrCode,
                                  environment: profile.environment, today: FiscalDate(now))
            } catch {
                missing.append("a license the connector accepts (\(error.message)): the integrator issues one in fiscal-admin; the connector picks it up at its next refresh")
            }
        } else {
            missing.append("a license: the integrator issues one for this device in fiscal-admin; the connector picks it up at its next refresh")
        }
        if let certificate {
            let inspection = CertificateInspection.inspect(certificate.certificate, file: certificateFile, expectedTIN: profile.taxpayer.tin, now: now)
            if !inspection.accepted {
                missing.append("a usable certificate (\(inspection.problems.joined(separator: "; "))): the integrator uploads a valid one in fiscal-admin")
            }
        } else {
            missing.append("no certificate yet: the integrator uploads it in fiscal-admin; the connector picks it up at its next refresh (or run 'fiscal-connector refresh')")
        }
        let device = profile.device
        return EnrolmentSummary(
            deviceID: profile.deviceID, device: "\(device.internalID) in \(device.businessUnit) (TCR \(device.tcrCode))",
            taxpayer: "\(profile.taxpayer.name) (TIN \(profile.taxpayer.tin))", environment: profile.environment, revision: profile.revision,
            licenseExpires: licenseExpires, certificateExpires: certificate?.certificate.notAfter ?? profile.certificate?.notAfter, missing: missing
        )
    }

    /// The text of the named top-level tables of a TOML file, each from its `[header]` to the next.
    static func tables(_ names: Set<String>, of text: String) -> String {
        var kept: [Substring] = []
        var keeping = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("["), !trimmed.hasPrefix("[["), let close = trimmed.firstIndex(of: "]") {
                let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                keeping = names.contains(name)
            }
            if keeping { kept.append(line) }
        }
        while kept.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { kept.removeLast() }
        return kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
    }
}
