public import Foundation
import FiscalCore
import MontenegroFiscal

extension Connector {
    /// Fiscalizes an invoice given as JSON.
    public func fiscalize(json: Data, dryRun: Bool = false) async -> FiscalizationResult {
        do {
            return await fiscalize(try InvoiceRequest.decode(json: json), dryRun: dryRun)
        } catch {
            return .invalid(error, reference: nil)
        }
    }

    /// Fiscalizes an invoice: journals it with the next ordinal, IIC and signed request, sends it,
    /// and answers fiscalized (FIC), deferred (IIC and QR now, FIC later) or rejected.
    /// The same reference again returns the stored result and issues nothing.
    public func fiscalize(_ request: InvoiceRequest, dryRun: Bool = false) async -> FiscalizationResult {
        let now = clock()
        let contentHash = request.contentHash
        // Before any refusal, a replay gets what was stored, even if the certificate or license has
        // expired since or the rules have changed: "rejected" would tell the till nothing was issued.
        // (Fresh invoices skip this read: the journal answers replays when issuing.)
        func refuse(_ refusal: FiscalizationResult) async -> FiscalizationResult {
            if dryRun { return refusal }
            return await replay(reference: request.reference, contentHash: contentHash) ?? refusal
        }
        if let refusal = expiryRefusal(now: now, reference: request.reference) { return await refuse(refusal) }
        var warnings = standingWarnings(now: now)
        let issuedAt: FiscalTimestamp
        if let text = request.issuedAt {
            guard let parsed = FiscalTimestamp(text) else {
                return await refuse(.invalid(ValidationError([ValidationIssue(.invalidFormat, field: "issued_at", "'\(text)' is not a date-time with offset such as 2026-11-21T10:15:00+01:00")]), reference: request.reference))
            }
            issuedAt = parsed
        } else {
            issuedAt = FiscalTimestamp(now)
        }
        let environment = configuration.taxAuthority.environment.rawValue
        let scope = Journal.OrdinalScope(environment: environment, tcr: configuration.device.tcr, year: issuedAt.montenegroYear)

        // References to invoices in the journal need only their IIC; a SUMMARY sums them.
        let completed: InvoiceRequest
        do {
            completed = try await completingReferences(request)
        } catch {
            return await refuse(failure(error, reference: request.reference))
        }

        // Validate before anything is journaled: a bad request issues nothing.
        let preview: Invoice
        do {
            // The ordinal does not change what validation finds; the real one is allocated when journaling.
            preview = try completed.invoice(configuration: configuration, ordinal: 1, issuedAt: issuedAt)
            let issuing = IssueContext(now: now, vatRates: configuration.vatRates, certificateValidFrom: certificate.notBefore)
            _ = try InvoiceValidator.validated(preview, certificateTIN: certificate.taxpayerTIN, issuing: issuing)
        } catch {
            return await refuse(.invalid(error, reference: request.reference))
        }
        if dryRun {
            do {
                let signed = try signer.sign(preview, header: MessageHeader(sentAt: FiscalTimestamp(now)))
                var result = FiscalizationResult(status: .deferred, reference: request.reference, invoiceNumber: preview.number, ordinal: preview.ordinal,
                                                 iic: signed.iic.code, iicSignature: signed.iic.signature, issuedAt: issuedAt.text,
                                                 qrURL: signed.verificationURL(configuration.taxAuthority.environment), warnings: warnings)
                result.warnings.append("dry run: nothing was journaled or sent; the ordinal and IIC are a preview")
                result.signedRequest = signed.message.xml
                return result
            } catch {
                return FiscalizationResult(status: .rejected, reference: request.reference, error: .init(code: .internal, message: "\(error)"))
            }
        }

        // A CASH invoice needs the day's INITIAL deposit first.
        if preview.paymentKind == .cash, preview.kind != .summary, preview.kind != .periodical {
            let day = FiscalDate(issuedAt.date)
            switch await depositGate.run({ await self.ensureInitialDeposit(day: day, now: now) }) {
            case .present: break
            case .registered(let warning): warnings.append(warning)
            case .refused(let problem):
                return await refuse(FiscalizationResult(status: .rejected, reference: request.reference, warnings: warnings, error: problem))
            }
        }

        // Held from before the commit until the first delivery is recorded (see `claim`).
        guard await acquire(request.reference) else {
            // Not "rejected": the first call may still issue it. Exit 1 / HTTP 503: ask again with the same reference.
            return FiscalizationResult(status: .rejected, reference: request.reference, warnings: warnings,
                                       error: .init(code: .inProgress, message: "the invoice '\(request.reference)' is still being delivered by another call: ask for its result (GET /v1/invoices/{reference} or journal show) in a moment", field: "reference"))
        }
        defer { release(request.reference) }
        let issueWarnings = warnings
        let header = MessageHeader(sentAt: FiscalTimestamp(now))
        // Journal, send and record on one of the connector's own threads: one hop instead of three.
        let done = await BlockingWorkers.shared.run { () -> Result<JournalEntry, any Error> in
            Result { try self.issueAndDeliver(kind: .registerInvoice, reference: request.reference, contentHash: contentHash, scope: scope, header: header) { ordinal in
                let invoice = try completed.invoice(configuration: self.configuration, ordinal: ordinal ?? 1, issuedAt: issuedAt)
                let signed = try self.signer.sign(invoice, header: header)
                return self.journalDocument(
                    kind: "invoice", reference: request.reference, contentHash: contentHash, businessDay: FiscalDate(issuedAt.date),
                    operation: invoice.paymentKind.rawValue, issuedAt: issuedAt, total: signed.amounts.totals.price.formatted(2),
                    payload: invoice, message: signed.message, now: now,
                    invoice: (scope.year, invoice.ordinal, invoice.number, signed.iic, signed.verificationURL(self.configuration.taxAuthority.environment)),
                    warnings: issueWarnings
                )
            } }
        }
        do {
            return result(for: try done.get())
        } catch {
            return failure(error, reference: request.reference, warnings: warnings)
        }
    }

    /// The stored result when `reference` was already issued with the same content; `nil` otherwise
    /// (a different content is answered by the journal as a reference conflict).
    func replay(reference: String, contentHash: String) async -> FiscalizationResult? {
        guard let stored = try? await journal.entry(reference: reference), stored.document.contentHash == contentHash else { return nil }
        return result(for: stored)
    }

    /// The result for an error thrown while journaling or sending: invalid input (exit 2), a
    /// reference reused for other content (exit 2, HTTP 409), or an unknown outcome (exit 1).
    func failure(_ error: any Error, reference: String?, warnings: [String] = []) -> FiscalizationResult {
        switch error {
        case let error as ValidationError:
            return .invalid(error, reference: reference)
        case let error as JournalError:
            return FiscalizationResult(status: .rejected, reference: reference, warnings: warnings,
                                       error: .init(code: error.code == .referenceConflict ? .referenceConflict : .journal, message: error.message, field: "reference"))
        default:
            return FiscalizationResult(status: .rejected, reference: reference, warnings: warnings, error: .init(code: .internal, message: "\(error)"))
        }
    }

    /// Journals a new document (or finds the stored one) and, if new, sends its first message and
    /// records the attempt: blocking, for the connector's own threads.
    func issueAndDeliver(kind: MessageKind, reference: String, contentHash: String, scope: Journal.OrdinalScope?, header: MessageHeader,
                         make: (_ ordinal: Int?) throws -> JournalDocument) throws -> JournalEntry {
        switch try journal.issue(reference: reference, contentHash: contentHash, ordinalScope: scope, make: make) {
        case .existing(let entry):
            return entry
        case .issued(let entry):
            let document = entry.document
            let message = SignedMessage(kind: kind, header: MessageHeader(uuid: document.messageUUID, sentAt: header.sentAt, subsequentDelivery: header.subsequentDelivery), xml: document.requestXML)
            return deliverNow(message, for: document, firstMessage: true)
        }
    }

    /// The answer for a journaled invoice or deposit, as first given or as it stands now.
    public func result(for entry: JournalEntry) -> FiscalizationResult {
        let document = entry.document
        var result = FiscalizationResult(
            status: .deferred, reference: document.reference, invoiceNumber: document.number, ordinal: document.ordinal,
            iic: document.iic, iicSignature: document.iicSignature, issuedAt: document.issuedAt, qrURL: document.qrURL,
            warnings: entry.warnings
        )
        switch entry.state {
        case .fiscalized:
            result.outcome = .fiscalized(fic: entry.success?.code, at: entry.success?.finishedAt)
        case .rejected:
            let attempt = entry.rejection
            result.qrURL = nil // nothing to print: the tax authority refused it
            result.outcome = .rejected(.init(code: .authorityRejected,
                                 message: "the tax authority refused the \(document.kind) (code \(attempt?.faultCode.map(String.init) ?? "?")): \(attempt?.faultMessage ?? "")",
                                 authorityCode: attempt?.faultCode))
        case .pending:
            result.outcome = .deferred(deliverBy: document.deadline)
            let reason = entry.lastAttempt.map { attempt in
                ": " + (attempt.faultCode.map { "fault \($0): \(attempt.faultMessage ?? "")" } ?? (attempt.detail ?? attempt.failure ?? "no answer"))
            } ?? ""
            let again = entry.lastAttempt == nil ? "" : " again"
            switch document.kind {
            case "invoice":
                result.warnings.append("issued without FIC\(reason); the connector delivers it\(again) with the same IIC before \(document.deadline)")
            case "deposit":
                result.warnings.append("the cash deposit is journaled but not yet registered (no FCDC)\(reason); the connector delivers it\(again) before \(document.deadline)")
            default:
                result.warnings.append("the registration was not answered (no TCR code)\(reason); nothing sends it later: run register-tcr again")
            }
        }
        return result
    }
}
