import FiscalCore
public import FiscalQueue
import Foundation
import MontenegroFiscal

extension Connector {
    /// What one delivery round did.
    public typealias DeliveryReport = FiscalQueue.DeliveryReport

    /// When pending documents are sent again (see ``DeliveryRound``).
    var deliveryPolicy: DeliveryPolicy {
        DeliveryPolicy(graceSeconds: configuration.taxAuthority.timeoutSeconds * 2 + 5, maxBackoffSeconds: Double(configuration.delivery.maxBackoffSeconds))
    }

    /// Delivers every pending document that is due (all of them with `force`), oldest first,
    /// each with the same content and IIC, a new message UUID and the right `SubseqDelivType`.
    public func deliverPending(force: Bool = false) async throws -> DeliveryReport {
        let environment = configuration.taxAuthority.environment.rawValue
        // A journal that cannot be read is an error, never "nothing pending".
        let listed = try await journal.pending(environment: environment)
        let pending = listed.map { entry in
            DeliveryRound.Pending(reference: entry.document.reference, journaledAt: ISOTime.date(entry.document.createdAt) ?? .distantPast,
                                  attempts: entry.attempts.count, lastAttemptAt: entry.lastAttempt.flatMap { ISOTime.date($0.finishedAt) })
        }
        // Another process (`serve`, or a `deliver` beside it) is redelivering this journal right now.
        guard deliveryLock.acquire() else { return DeliveryRound.heldElsewhere(pending) }
        defer { deliveryLock.releaseUnlessKept() }
        let documents = Dictionary(listed.map { ($0.document.reference, $0.document) }, uniquingKeysWith: { first, _ in first })
        var round = DeliveryRound(pending: pending, now: clock(), force: force, policy: deliveryPolicy)
        while case .deliver(let reference) = round.next() {
            round.delivered(reference, await redeliver(documents[reference]!))
        }
        return round.report
    }

    /// Sends one pending document again, unless another call holds it or it was settled meanwhile.
    private func redeliver(_ document: JournalDocument) async -> DeliveryRound.Delivery {
        guard claim(document.reference) else { return .skipped }
        defer { release(document.reference) }
        // Read it again under the claim: the call that issued it may have delivered it meanwhile.
        let entry: JournalEntry?
        do { entry = try await journal.entry(id: document.id!) } catch { return .pending(authorityUnreachable: false) }
        guard let entry, entry.state == .pending else { return .skipped }
        let message: SignedMessage
        do {
            message = try resign(document, reason: subsequentDeliveryReason(entry))
        } catch {
            return .pending(authorityUnreachable: false)
        }
        let updated = await deliver(message, for: document, firstMessage: false, previousAttempts: entry.attempts)
        switch updated.state {
        case .fiscalized: return .fiscalized
        case .rejected: return .rejected
        case .pending:
            let failure = updated.lastAttempt?.failureCode
            return .pending(authorityUnreachable: failure == .timeout || failure == .connection)
        }
    }

    /// Why this document is delivered late: the service did not answer (SERVICE), or something on
    /// this side prevented sending (TECHNICALERROR, also after a restart with no attempt recorded).
    func subsequentDeliveryReason(_ entry: JournalEntry) -> SubsequentDeliveryType {
        guard let last = entry.lastAttempt else { return .technicalError }
        return last.serviceFailed ? .service : .technicalError
    }
}
