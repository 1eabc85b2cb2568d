public import FiscalCore
import Foundation
public import MontenegroFiscal

extension Connector {
    enum InitialDepositCheck: Sendable {
        case present
        case registered(warning: String)
        case refused(FiscalizationResult.Problem)
    }

    /// Before a CASH invoice: the day's INITIAL deposit must exist. By default the connector issues
    /// one with the configured float and says so; configured otherwise it refuses the invoice.
    func ensureInitialDeposit(day: FiscalDate, now: Date) async -> InitialDepositCheck {
        let environment = configuration.taxAuthority.environment.rawValue
        if (try? await journal.hasInitialDeposit(environment: environment, tcr: configuration.device.tcr, day: day.description)) == true {
            return .present
        }
        guard configuration.cash.autoInitialDeposit else {
            return .refused(.init(code: .initialDepositMissing,
                                  message: "no INITIAL cash deposit for \(day) on TCR \(configuration.device.tcr): register it first (fiscal-connector deposit --amount FLOAT), or set [cash] auto_initial_deposit = true"))
        }
        // A cash sale of an earlier day (issued just before midnight, or entered late) needs that
        // day's deposit: it is registered for that day, as a late delivery.
        let today = FiscalDate(now)
        let changedAt: FiscalTimestamp? = day == today ? nil : FiscalTimestamp(FiscalTimestamp.startOfDay(day))
        // The environment is part of the reference: a journal that moved from test to production
        // needs the day's deposit in production too, not the test one answered as a replay.
        let reference = "initial-\(environment)-\(configuration.device.tcr)-\(day)"
        let result = await deposit(amount: configuration.cash.initialFloat, operation: .initial, reference: reference, at: changedAt)
        switch result.status {
        case .rejected:
            return .refused(.init(code: .initialDepositFailed,
                                  message: "the INITIAL cash deposit for \(day) could not be registered: \(result.error?.message ?? "unknown"); register it by hand (fiscal-connector deposit --amount FLOAT) and issue the invoice again", authorityCode: result.error?.authorityCode))
        case .fiscalized:
            return .registered(warning: "registered today's INITIAL cash deposit of \(configuration.cash.initialFloat.formatted(2)) first (FCDC \(result.fic ?? ""))")
        case .deferred:
            return .registered(warning: "issued today's INITIAL cash deposit of \(configuration.cash.initialFloat.formatted(2)) first; it is delivered before this invoice")
        }
    }

    /// Registers a cash deposit: the day's INITIAL float or a WITHDRAW. Journaled first, delivered
    /// like invoices; `reference` makes it idempotent.
    /// `at` dates the deposit on an earlier day; it is then sent as a late delivery.
    public func deposit(amount: ExactDecimal, operation: CashDepositOperation, reference: String? = nil, at earlier: FiscalTimestamp? = nil) async -> FiscalizationResult {
        let now = clock()
        if let refusal = expiryRefusal(now: now, reference: reference) {
            // A replay of a registered deposit gets what was stored, not a refusal.
            guard let reference else { return refusal }
            return await replay(reference: reference, contentHash: Self.depositHash(operation, amount, reference)) ?? refusal
        }
        let changedAt = earlier ?? FiscalTimestamp(now)
        let header = MessageHeader(sentAt: FiscalTimestamp(now), subsequentDelivery: earlier == nil ? nil : .technicalError)
        let deposit = CashDeposit(changedAt: changedAt, operation: operation, amount: amount, tcr: configuration.device.tcr, issuerTIN: configuration.taxpayer.tin)
        let problems = deposit.issues
        if !problems.isEmpty { return .invalid(ValidationError(problems), reference: reference) }
        let reference = reference ?? "deposit-\(MessageHeader(sentAt: changedAt).uuid)"
        let hash = Self.depositHash(operation, amount, reference)
        guard await acquire(reference) else {
            return FiscalizationResult(status: .rejected, reference: reference,
                                       error: .init(code: .inProgress, message: "the deposit '\(reference)' is being registered by another call right now", field: "reference"))
        }
        defer { release(reference) }
        let done = await BlockingWorkers.shared.run { () -> Result<JournalEntry, any Error> in
            Result { try self.issueAndDeliver(kind: .registerCashDeposit, reference: reference, contentHash: hash, scope: nil, header: header) { _ in
                let signed = try self.signer.sign(deposit, header: header)
                return self.journalDocument(
                    kind: "deposit", reference: reference, contentHash: hash, businessDay: FiscalDate(changedAt.date), operation: operation.rawValue,
                    issuedAt: changedAt, total: amount.formatted(2), payload: deposit, message: signed, now: now
                )
            } }
        }
        do {
            return result(for: try done.get())
        } catch {
            return failure(error, reference: reference)
        }
    }

    static func depositHash(_ operation: CashDepositOperation, _ amount: ExactDecimal, _ reference: String) -> String {
        Hex.upper(Digest.sha256(Array("\(operation.rawValue)|\(amount.formatted(2))|\(reference)".utf8)))
    }

    /// Registers this device with the tax authority (or updates its end of use) and returns the
    /// TCR code to put in the configuration.
    public func registerTCR(validFrom: FiscalDate? = nil, validTo: FiscalDate? = nil, type: TCRType? = .regular) async -> FiscalizationResult {
        let now = clock()
        let registration = TCRRegistration(issuerTIN: configuration.taxpayer.tin, businessUnit: configuration.device.businessUnit,
                                           internalID: configuration.device.internalID, software: configuration.device.software,
                                           maintainer: configuration.device.maintainer, validFrom: validFrom, validTo: validTo, type: type)
        let signed: SignedMessage
        do {
            signed = try signer.sign(registration, header: MessageHeader(sentAt: FiscalTimestamp(now)), today: FiscalDate(now))
        } catch {
            return failure(error, reference: nil)
        }
        let reference = "tcr-\(signed.header.uuid)"
        // A registration is not a fiscal document and nothing sends it later: it is journaled once
        // the tax authority answered. Unanswered, the outcome is unknown and asking again is safe
        // (the tax authority registers a device once and answers a repeat with the same code).
        let started = ISOTime.string(now)
        let outcome = await BlockingWorkers.shared.run { self.client.sendNow(signed) }
        let unanswered: String? = switch outcome {
        case .failed(let failure): failure.message
        case .answered(.fault(let fault), _) where fault.disposition != .blocking: "fault \(fault.code.map(String.init) ?? "?"): \(fault.message)"
        case .answered: nil
        }
        if let unanswered {
            return FiscalizationResult(status: .rejected, reference: reference, error: .init(
                code: .unanswered, message: "the tax authority did not answer (\(unanswered)); nothing was journaled: run register-tcr again once it can be reached"))
        }
        let issued = await BlockingWorkers.shared.run { () -> Result<Journal.IssueOutcome, any Error> in
            Result { try self.journal.issue(reference: reference, contentHash: reference, ordinalScope: nil) { _ in
                self.journalDocument(kind: "tcr", reference: reference, contentHash: reference, businessDay: FiscalDate(now), operation: type?.rawValue,
                                     issuedAt: FiscalTimestamp(now), total: "0.00", payload: registration, message: signed, now: now, deferrable: false)
            } }
        }
        switch issued {
        case .success(.issued(let entry)):
            let recorded = await BlockingWorkers.shared.run { self.record(outcome, of: signed, for: entry.document, startedAt: started, firstMessage: true) }
            return result(for: recorded)
        case .success(.existing):
            return FiscalizationResult(status: .rejected, error: .init(code: .internal, message: "duplicate registration reference"))
        case .failure(let error):
            return failure(error, reference: reference)
        }
    }
}
