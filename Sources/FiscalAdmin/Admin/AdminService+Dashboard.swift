import FiscalCore
import Foundation

/// Something the dashboard asks someone to act on, with what to do.
public struct AttentionItem: Sendable, Codable, Equatable {
    /// What kind of problem, most urgent first.
    public enum Kind: String, Sendable, Codable, Comparable {
        /// The connector reports invoices past their delivery deadline.
        case overdueDelivery = "overdue_delivery"
        /// An enrolled connector stopped reporting.
        case noHeartbeat = "no_heartbeat"
        /// The client's certificate expires soon or expired.
        case certificateExpiry = "certificate_expiry"
        /// The device's license expires soon, expired, or is missing in production.
        case license
        /// The device's production checklist is not green.
        case checklist

        /// The kinds, most urgent first.
        static let order: [Kind] = [.overdueDelivery, .noHeartbeat, .certificateExpiry, .license, .checklist]

        /// Orders by urgency.
        public static func < (lhs: Kind, rhs: Kind) -> Bool { order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)! }
    }

    /// What kind of problem.
    public var kind: Kind
    /// The client.
    public var clientID: String
    /// The client's name.
    public var clientName: String
    /// The device, when it is about one.
    public var deviceID: String?
    /// The device as people name it: `business unit / internal id`.
    public var deviceName: String?
    /// What is wrong and what to do.
    public var message: String
}

/// A device row of the dashboard.
public struct DeviceSummary: Sendable {
    /// The device and its last report.
    public let device: Device
    /// Its client's name.
    public let clientName: String
    /// Its newest license, if any.
    public let license: LicenseRecord?
    /// That license's state today: `active`, `expired`, `revoked`; `none` without a license.
    public let licenseStatus: String
}

extension AdminService {
    /// A license expiring within this many days is listed as needing attention.
    static let licenseWarningDays = 30

    /// Every device visible to the caller with its license, and what needs attention: overdue
    /// deliveries and silent connectors (from heartbeats), certificates and licenses expiring,
    /// checklists not green; most urgent first.
    public func dashboard(_ principal: Principal) async throws -> (devices: [DeviceSummary], attention: [AttentionItem]) {
        let rows = try await allDevices(principal)
        let warnings = try await certificateWarnings(principal)
        let now = now()
        let today = FiscalDate(now)
        // A connector reports every refresh; three missed reports (at least 15 minutes) is silence.
        let silence = TimeInterval(max(3 * settings.refreshSeconds, 900))
        return try await transaction { connection in
            var devices: [DeviceSummary] = []
            var attention = warnings.map { warning in
                AttentionItem(kind: .certificateExpiry, clientID: warning.client.id, clientName: warning.client.name, deviceID: nil, deviceName: nil,
                              message: warning.warning == .expired
                                  ? "certificate \(warning.certificate.subject) expired on \(WebPages.display(warning.certificate.notAfter)): upload the renewed certificate"
                                  : "certificate \(warning.certificate.subject) expires on \(WebPages.display(warning.certificate.notAfter)): upload the renewed certificate before then")
            }
            for (device, clientName) in rows {
                let details = try self.details(connection, device, at: now)
                let license = details.licenses.first
                let status = license?.status(today: today) ?? "none"
                devices.append(DeviceSummary(device: device, clientName: clientName, license: license, licenseStatus: status))
                guard device.state == .active else { continue }
                let name = "\(device.businessUnitCode) / \(device.internalID)"
                func add(_ kind: AttentionItem.Kind, _ message: String) {
                    attention.append(AttentionItem(kind: kind, clientID: device.clientID, clientName: clientName, deviceID: device.id, deviceName: name, message: message))
                }
                if let report = device.heartbeat?.report, report.pending > 0, let deadline = report.oldestDeadline, deadline < now {
                    add(.overdueDelivery, "\(report.pending) invoices wait for delivery, the oldest was due \(WebPages.display(deadline)): check the connector's connection to the tax authority")
                }
                if device.enrolledAt != nil {
                    let last = device.heartbeat?.receivedAt
                    if now.timeIntervalSince(last ?? device.enrolledAt!) > silence {
                        add(.noHeartbeat, "no report from the connector since \(WebPages.display(last ?? device.enrolledAt)): check that it runs and reaches this server")
                    }
                }
                if let license, status == "active", today.days(until: license.expires) <= Self.licenseWarningDays {
                    add(.license, "the license expires on \(license.expires): renew it")
                } else if status == "expired" {
                    add(.license, "the license expired on \(license!.expires): renew it or issue a new one")
                } else if status != "active", device.environment == .production {
                    add(.license, "the device is in production without an active license: issue one")
                }
                if !details.checklist.isGreen {
                    let failures = details.checklist.failures
                    add(.checklist, "production checklist: " + failures[0].detail + (failures.count > 1 ? " (and \(failures.count - 1) more)" : ""))
                }
            }
            return (devices, attention.enumerated().sorted { ($0.element.kind, $0.offset) < ($1.element.kind, $1.offset) }.map(\.element))
        }
    }
}
