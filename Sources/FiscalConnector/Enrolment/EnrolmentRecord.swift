public import Foundation

/// `enrolment.json` beside `connector.toml` (mode 0600): where the admin server is, the device
/// token, and which profile the files in the folder were written from.
public struct EnrolmentRecord: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The admin server's base URL, without a trailing slash.
    public var adminURL: String
    /// The device token (`fdt_…`): a secret, kept only in this file.
    public var token: String
    /// The admin server's id for the device.
    public var deviceID: String
    /// The revision of the profile last applied.
    public var revision: String
    /// How often to ask for a new profile, in seconds (from the profile).
    public var refreshSeconds: Int
    /// When a profile was last fetched successfully (applied or found unchanged).
    public var fetchedAt: Date
    /// When a fetch was last tried, successful or not.
    public var attemptedAt: Date?

    /// Creates a record.
    public init(adminURL: String, token: String, deviceID: String, revision: String, refreshSeconds: Int, fetchedAt: Date, attemptedAt: Date? = nil) {
        self.adminURL = adminURL
        self.token = token
        self.deviceID = deviceID
        self.revision = revision
        self.refreshSeconds = refreshSeconds
        self.fetchedAt = fetchedAt
        self.attemptedAt = attemptedAt
    }

    /// Whether it is time to ask the admin server again: `refreshSeconds` since the last
    /// attempt, so an unreachable server is not asked before every command.
    public func isDue(now: Date) -> Bool {
        let last = max(fetchedAt, attemptedAt ?? fetchedAt)
        return now.timeIntervalSince(last) >= Double(max(refreshSeconds, 1)) || now < last
    }

    /// Everything but the token.
    public var description: String {
        "EnrolmentRecord(adminURL: \(adminURL), deviceID: \(deviceID), revision: \(revision), fetchedAt: \(fetchedAt))"
    }

    enum CodingKeys: String, CodingKey {
        case adminURL = "admin_url", token, deviceID = "device_id", revision, refreshSeconds = "refresh_seconds"
        case fetchedAt = "fetched_at", attemptedAt = "attempted_at"
    }
}
