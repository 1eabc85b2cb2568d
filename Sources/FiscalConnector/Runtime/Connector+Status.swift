import FiscalCore
import Foundation
import MontenegroFiscal

/// The connector's health, for `status` and `GET /v1/status`.
public struct ConnectorStatus: Sendable, Codable, Equatable {
    public var environment: String
    public var endpoint: String
    public var tin: String
    public var businessUnit: String
    public var tcr: String
    public var certificateSubject: String
    public var certificateExpires: String
    public var certificateDaysLeft: Int
    public var licenseExpires: String
    public var licenseEnvironments: [String]
    public var pendingCount: Int
    public var oldestPendingDeadline: String?
    public var overdueCount: Int
    public var lastContact: String?
    public var nextOrdinal: Int
    public var initialDepositToday: Bool
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case environment, endpoint, tin, businessUnit = "business_unit", tcr = "tcr_code", certificateSubject = "certificate_subject"
        case certificateExpires = "certificate_expires", certificateDaysLeft = "certificate_days_left", licenseExpires = "license_expires"
        case licenseEnvironments = "license_environments", pendingCount = "pending_count", oldestPendingDeadline = "oldest_pending_deadline"
        case overdueCount = "overdue_count", lastContact = "last_contact", nextOrdinal = "next_ordinal"
        case initialDepositToday = "initial_deposit_today", warnings
    }
}

extension Connector {
    /// The current status, with warnings for certificate and license expiry and for pending
    /// documents close to (or past) their 48-hour deadline.
    public func status() async throws -> ConnectorStatus {
        let now = clock()
        let environment = configuration.taxAuthority.environment.rawValue
        let pending = try await journal.pending(environment: environment)
                let deadlines = pending.compactMap { ISOTime.date($0.document.deadline) }.sorted()
        var warnings = standingWarnings(now: now)
        let overdue = deadlines.filter { $0 < now }.count
        if overdue > 0 {
            warnings.append("\(overdue) document\(overdue == 1 ? " is" : "s are") past the 48-hour deadline: check the connection to the tax authority and run 'fiscal-connector deliver'")
        }
        if let oldest = deadlines.first, oldest >= now, oldest.timeIntervalSince(now) < Double(configuration.delivery.deadlineWarningHours) * 3600 {
            let hours = Int((oldest.timeIntervalSince(now) / 3600).rounded())
            warnings.append("\(pending.count) document\(pending.count == 1 ? "" : "s") not yet fiscalized; the oldest must be delivered within \(hours) hour\(hours == 1 ? "" : "s") (by \(ISOTime.string(oldest)))")
        }
        let issued = FiscalTimestamp(now)
        let scope = Journal.OrdinalScope(environment: environment, tcr: configuration.device.tcr, year: issued.montenegroYear)
        return ConnectorStatus(
            environment: environment, endpoint: configuration.taxAuthority.url, tin: configuration.taxpayer.tin,
            businessUnit: configuration.device.businessUnit, tcr: configuration.device.tcr,
            certificateSubject: certificate.subject, certificateExpires: ISOTime.string(certificate.notAfter),
            certificateDaysLeft: certificate.daysUntilExpiry(from: now), licenseExpires: license.expires.description,
            licenseEnvironments: license.environments, pendingCount: pending.count,
            oldestPendingDeadline: deadlines.first.map(ISOTime.string), overdueCount: overdue,
            lastContact: try await journal.lastContact(), nextOrdinal: try await journal.lastOrdinal(scope) + 1,
            initialDepositToday: try await journal.hasInitialDeposit(environment: environment, tcr: configuration.device.tcr, day: FiscalDate(now).description),
            warnings: warnings
        )
    }
}
