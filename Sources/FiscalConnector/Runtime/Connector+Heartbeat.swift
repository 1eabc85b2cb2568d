public import FiscalCore
import MontenegroFiscal
import Foundation

extension Connector {
    /// The report for the admin server: version, environment, backlog, certificate expiry, the
    /// last FIC and the invoices fiscalized in each environment, from one read of the journal.
    public func heartbeat() async throws -> DeviceHeartbeat {
        let activity = try await journal.activity()
        return DeviceHeartbeat(
            version: Self.version, environment: configuration.taxAuthority.environment.rawValue,
            pending: activity.pending, oldestDeadline: activity.oldestDeadline, certificateExpiry: certificate.notAfter,
            lastFIC: activity.lastFIC, lastFiscalizedAt: activity.lastFiscalizedAt,
            testInvoices: activity.fiscalizedInvoices["test"] ?? 0, productionInvoices: activity.fiscalizedInvoices["production"] ?? 0
        )
    }
}
