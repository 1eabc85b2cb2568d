import FiscalCore
import Foundation
import MontenegroFiscal

extension Connector {
    /// What one delivery round did.
    public struct DeliveryReport: Sendable, Codable, Equatable {
        /// Documents registered now.
        public var fiscalized: [String] = []
        /// Documents refused with a blocking fault.
        public var rejected: [String] = []
        /// Documents still pending after this round.
        public var stillPending: [String] = []
        /// Documents not yet due for another attempt (backoff).
        public var waiting: [String] = []

        enum CodingKeys: String, CodingKey {
            case fiscalized, rejected, stillPending = "still_pending", waiting
        }
    }

    /// Seconds to wait after `failures` failed attempts: 5, 10, 20 … up to the configured maximum.
    func backoff(afterFailures failures: Int) -> TimeInterval {
        guard failures > 0 else { return 0 }
        return min(Double(configuration.delivery.maxBackoffSeconds), 5 * pow(2, Double(min(failures - 1, 20))))
    }

    /// Delivers every pending document that is due (all of them with `force`), oldest first,
    /// each with the same content and IIC, a new message UUID and the right `SubseqDelivType`.
    public func deliverPending(force: Bool = false) async throws -> DeliveryReport {
        var report = DeliveryReport()
        let environment = configuration.taxAuthority.environment.rawValue
        // A journal that cannot be read is an error, never "nothing pending".
        let pending = try await journal.pending(environment: environment)
        // Another process (`serve`, or a `deliver` beside it) is redelivering this journal right now.
        guard deliveryLock.acquire() else {
            report.waiting = pending.map(\.document.reference)
            return report
        }
        defer { deliveryLock.releaseUnlessKept() }
        let now = clock()
                for listed in pending {
            let document = listed.document
            // A document without any attempt may still be on its way from the process that issued it
            // (a `fiscalize` command beside `serve`): leave it alone until that send must be over.
            if listed.attempts.isEmpty, !force, let created = ISOTime.date(document.createdAt),
               now.timeIntervalSince(created) < configuration.taxAuthority.timeoutSeconds * 2 + 5 {
                report.waiting.append(document.reference)
                continue
            }
            if let last = listed.lastAttempt, !force,
               let finished = ISOTime.date(last.finishedAt),
               now.timeIntervalSince(finished) < backoff(afterFailures: listed.attempts.count) {
                report.waiting.append(document.reference)
                continue
            }
            guard claim(document.reference) else { continue }
            defer { release(document.reference) }
            // Read it again under the claim: the call that issued it may have delivered it meanwhile.
            let entry: JournalEntry?
            do { entry = try await journal.entry(id: document.id!) } catch {
                report.stillPending.append(document.reference)
                continue
            }
            guard let entry, entry.state == .pending else { continue }
            let message: SignedMessage
            do {
                message = try resign(document, reason: subsequentDeliveryReason(entry))
            } catch {
                report.stillPending.append(document.reference)
                continue
            }
            let updated = await deliver(message, for: document, firstMessage: false, previousAttempts: entry.attempts)
            switch updated.state {
            case .fiscalized: report.fiscalized.append(document.reference)
            case .rejected: report.rejected.append(document.reference)
            case .pending:
                report.stillPending.append(document.reference)
                // The service is unreachable: the rest would fail the same way; try again later.
                if let failure = updated.lastAttempt?.failure, failure == "timeout" || failure == "connection" {
                    report.waiting += pending.drop { $0.document.id != document.id }.dropFirst().map(\.document.reference)
                    return report
                }
            }
        }
        return report
    }

    /// Why this document is delivered late: the service did not answer (SERVICE), or something on
    /// this side prevented sending (TECHNICALERROR, also after a restart with no attempt recorded).
    func subsequentDeliveryReason(_ entry: JournalEntry) -> SubsequentDeliveryType {
        guard let last = entry.lastAttempt else { return .technicalError }
        if let failure = last.failure, ["timeout", "connection", "unreadableAnswer"].contains(failure) { return .service }
        if let code = last.faultCode, code >= 900 { return .service }
        return .technicalError
    }
}
