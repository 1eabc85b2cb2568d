public import FiscalCore
public import Foundation

/// A connector folder enrolled with the fiscal-admin back office: `fiscal-connector enroll`
/// creates it, and the connector keeps it fresh from then on.
///
/// The folder holds `device.key` (the device's X25519 key; the certificate is sealed to it),
/// `enrolment.json` (admin URL, device token, applied revision), and what a profile is turned
/// into: `certificate.p12` and `certificate.password`, `license-authority.pub` and
/// `connector.toml`. Secrets are mode 0600. When the admin server cannot be reached, the files stay
/// as they are and the connector works from them: nothing is ever deleted.
public struct DeviceEnrolment: Sendable {
    /// The folder (absolute).
    public let directory: String

    /// `enrolment.json`.
    public static let recordFile = "enrolment.json"
    /// `device.key`.
    public static let keyFile = "device.key"
    /// `connector.toml`.
    public static let configurationFile = "connector.toml"
    /// `certificate.p12`.
    public static let certificateFile = "certificate.p12"
    /// `certificate.password`.
    public static let passwordFile = "certificate.password"
    /// `license-authority.pub`.
    public static let licenseKeysFile = "license-authority.pub"

    /// The enrolment of `directory` (which may not be enrolled yet: see ``isEnrolled``).
    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
    }

    /// The enrolment beside a configuration file.
    public init(configurationPath: String) {
        self.init(directory: URL(fileURLWithPath: configurationPath).standardizedFileURL.deletingLastPathComponent().path)
    }

    /// A file in the folder.
    public func path(_ file: String) -> String { directory + "/" + file }

    /// The folder's `connector.toml`.
    public var configurationPath: String { path(Self.configurationFile) }

    /// Whether the folder has an `enrolment.json`.
    public var isEnrolled: Bool { FileManager.default.fileExists(atPath: path(Self.recordFile)) }

    /// Reads `enrolment.json`.
    public func record() throws(EnrolmentError) -> EnrolmentRecord {
        let file = path(Self.recordFile)
        guard let data = FileManager.default.contents(atPath: file) else {
            if !FileManager.default.fileExists(atPath: file) {
                throw EnrolmentError(.notEnrolled, "\(directory) is not enrolled (no \(Self.recordFile)): run 'fiscal-connector enroll --admin URL --token TOKEN --dir \(directory)'")
            }
            throw EnrolmentError(.files, "cannot read \(file): check that this user owns it")
        }
        do {
            return try FiscalJSON.decoder().decode(EnrolmentRecord.self, from: data)
        } catch {
            throw EnrolmentError(.files, "\(file) is damaged (\(error)): enroll again with a new enrolment token from the device's page")
        }
    }

    /// Replaces `enrolment.json` (mode 0600).
    func write(_ record: EnrolmentRecord) throws(EnrolmentError) {
        let encoder = FiscalJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        guard let data = try? encoder.encode(record) else {
            throw EnrolmentError(.files, "cannot encode \(Self.recordFile)")
        }
        try AtomicFile.write(Array(data) + Array("\n".utf8), to: path(Self.recordFile), mode: 0o600)
    }

    /// The device key in `device.key`, or nil when there is none yet.
    func existingKey() throws(EnrolmentError) -> DeviceEnvelope.PrivateKey? {
        let file = path(Self.keyFile)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw EnrolmentError(.files, "cannot read \(file): check that this user owns it")
        }
        do {
            return try DeviceEnvelope.PrivateKey(rawBase64: String(decoding: data, as: UTF8.self))
        } catch {
            throw EnrolmentError(.files, "\(file) is damaged (\(error.message)); move it away and enroll again to create a new key")
        }
    }

    // MARK: - enrolling

    /// Enrols the folder with the admin server: creates (or reuses) `device.key`, registers its
    /// public key with the device token, and writes the profile's files. Nothing is written
    /// when the server refuses or cannot be reached.
    public static func enroll(adminURL: String, token: String, directory: String, timeoutSeconds: Double = 15,
                              now: Date = Date()) async throws(EnrolmentError) -> EnrolmentSummary {
        let base = try AdminClient.normalizedBaseURL(adminURL)
        let token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.hasPrefix("fdt_"), token.count > 8, !token.contains(where: { $0.isWhitespace }) else {
            throw EnrolmentError(.invalidInput, "--token is not a device enrolment token (those start with fdt_): copy the token shown when you created it on the device's page in fiscal-admin")
        }
        let enrolment = DeviceEnrolment(directory: directory)
        let existing = try enrolment.existingKey()
        let key = existing ?? DeviceEnvelope.PrivateKey.generate()
        let profile = try await AdminClient(baseURL: base, token: token, timeoutSeconds: timeoutSeconds).enrol(publicKey: key.publicKey)
        do {
            try FileManager.default.createDirectory(atPath: enrolment.directory, withIntermediateDirectories: true)
        } catch {
            throw EnrolmentError(.files, "cannot create the folder \(enrolment.directory): \(error.localizedDescription)")
        }
        if existing == nil {
            try AtomicFile.write(key.rawBase64 + "\n", to: enrolment.path(keyFile), mode: 0o600)
        }
        return try enrolment.apply(profile, key: key, adminURL: base, token: token, now: now)
    }

    // MARK: - staying fresh

    /// Asks the admin server for the device's profile and applies it when its revision differs
    /// from the one applied. An outage or a refusal leaves every file as it is.
    public func refreshProfile(timeoutSeconds: Double = 5, now: Date = Date()) async -> ProfileRefresh {
        var record: EnrolmentRecord
        let key: DeviceEnvelope.PrivateKey
        do throws(EnrolmentError) {
            record = try self.record()
            guard let existing = try existingKey() else {
                throw EnrolmentError(.files, "\(path(Self.keyFile)) is missing: restore it from a backup, or enroll again with a new enrolment token")
            }
            key = existing
        } catch {
            return .failed(error)
        }
        let profile: DeviceProfile
        do {
            profile = try await AdminClient(baseURL: record.adminURL, token: record.token, timeoutSeconds: timeoutSeconds).profile()
        } catch {
            record.attemptedAt = now
            try? write(record)
            if error.isOutage { return .cached(since: record.fetchedAt, error) }
            if error.isRefusal { return .refused(since: record.fetchedAt, error) }
            return .failed(error)
        }
        do throws(EnrolmentError) {
            guard profile.revision != record.revision else {
                record.fetchedAt = now
                record.attemptedAt = now
                record.refreshSeconds = profile.refreshSeconds
                try write(record)
                return .unchanged(revision: profile.revision)
            }
            return .applied(try apply(profile, key: key, adminURL: record.adminURL, token: record.token, now: now))
        } catch {
            return .failed(error)
        }
    }

    /// ``refreshProfile(timeoutSeconds:now:)`` when the folder is enrolled and the last attempt
    /// is older than the profile's refresh interval; nil otherwise.
    public func refreshIfDue(timeoutSeconds: Double, now: Date = Date()) async -> ProfileRefresh? {
        guard isEnrolled, let record = try? record(), record.isDue(now: now) else { return nil }
        return await refreshProfile(timeoutSeconds: timeoutSeconds, now: now)
    }

    /// Reports the connector's state to the admin server.
    public func sendHeartbeat(_ heartbeat: DeviceHeartbeat, timeoutSeconds: Double = 5) async throws(EnrolmentError) {
        let record = try record()
        try await AdminClient(baseURL: record.adminURL, token: record.token, timeoutSeconds: timeoutSeconds).heartbeat(heartbeat)
    }
}

/// What became of asking the admin server for a new profile.
public enum ProfileRefresh: Sendable, Equatable {
    /// A new revision was written to the folder.
    case applied(EnrolmentSummary)
    /// The applied revision is still current.
    case unchanged(revision: String)
    /// The admin server is unreachable or failing: the files fetched at `since` stay in use.
    case cached(since: Date, EnrolmentError)
    /// The admin server refused (401: the device token was replaced): the files fetched at `since` stay in use.
    case refused(since: Date, EnrolmentError)
    /// A local problem (files, a profile that cannot be applied): the files stay as they are.
    case failed(EnrolmentError)

    /// What to tell the operator, or nil when all is well.
    public var warning: String? {
        switch self {
        case .applied, .unchanged: nil
        case .cached(let since, let error): "using cached profile from \(ISOTime.string(since)): \(error.message)"
        case .refused(let since, let error): "\(error.message); using cached profile from \(ISOTime.string(since))"
        case .failed(let error): "cannot refresh the profile: \(error.message); the connector's files stay as they are"
        }
    }
}
