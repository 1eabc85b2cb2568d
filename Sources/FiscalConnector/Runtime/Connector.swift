public import FiscalCore
public import Foundation
import FiscalQueue
import MontenegroFiscal

/// The per-point-of-sale runtime: issues invoices and deposits into the journal, delivers them
/// to the tax authority, and redelivers what could not be sent, within the legal 48 hours.
///
/// Every operation journals before it sends, and answers with a ``FiscalizationResult`` rather
/// than throwing: a refusal or an outage is an outcome, not an exception.
public final class Connector: Sendable {
    /// The configuration it runs with.
    public let configuration: ConnectorConfiguration
    /// The journal.
    public let journal: Journal
    /// The license it runs under.
    public let license: License
    let signer: MessageSigner
    let client: EFIClient
    let clock: @Sendable () -> Date
    /// What every connector on this journal in this process shares: claims, the deposit gate and
    /// the delivery lock, so a connector that replaces another (``init(configuration:environment:clock:succeeding:)``)
    /// never sends a document the other is sending.
    let shared: Shared
    /// Serializes the day's automatic INITIAL deposit (shared with a successor).
    var depositGate: SerialGate { shared.depositGate }
    /// The journal's delivery lock (`<journal>.deliver.lock`): one process redelivers at a time.
    var deliveryLock: DeliveryLock { shared.deliveryLock }

    /// Hours within which a deferred document must be fiscalized.
    public static let deadlineHours = IssueContext.lateDeliveryHours

    /// The connector's version, reported to the admin server and sent as the HTTP user agent.
    public static let version = FiscalVersion.current

    /// The state connectors on one journal share within a process.
    final class Shared: Sendable {
        /// The one open journal.
        let journal: Journal
        /// References being issued or sent now (see ``Connector/claim(_:)``).
        let claims = Claims()
        /// Serializes the day's automatic INITIAL deposit.
        let depositGate = SerialGate()
        /// The journal's delivery lock.
        let deliveryLock: DeliveryLock

        /// Shares `journal` and its lock.
        init(journal: Journal, deliveryLock: DeliveryLock) {
            self.journal = journal
            self.deliveryLock = deliveryLock
        }
    }

    /// Starts from a configuration: opens the certificate (password from its file or environment
    /// variable), checks certificate and license against the configuration, opens the journal.
    /// `longRunning` (for `serve`) moves journal checkpoints out of the commits into the deliverer.
    public convenience init(configuration: ConnectorConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
                            clock: @escaping @Sendable () -> Date = { Date() }, longRunning: Bool = false) throws(ConnectorError) {
        try self.init(configuration: configuration, environment: environment, clock: clock, previous: nil, longRunning: longRunning)
    }

    /// A connector that takes over from `previous` in the same process (a new profile applied while
    /// `serve` runs): the same checks as a fresh start, but it keeps `previous`'s open journal, its
    /// delivery lock and its record of documents being sent when the journal path is the same, so
    /// both may run side by side while calls that started on `previous` finish.
    public convenience init(configuration: ConnectorConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
                            clock: @escaping @Sendable () -> Date = { Date() }, succeeding previous: Connector) throws(ConnectorError) {
        try self.init(configuration: configuration, environment: environment, clock: clock, previous: previous, longRunning: previous.deliveryLock.keep)
    }

    private init(configuration: ConnectorConfiguration, environment: [String: String], clock: @escaping @Sendable () -> Date,
                 previous: Connector?, longRunning: Bool) throws(ConnectorError) {
        self.configuration = configuration
        self.clock = clock
        let now = clock()
        let identity = try Self.openCertificate(configuration, environment: environment)
        let inspection = CertificateInspection.inspect(identity.certificate, file: configuration.certificate.file, expectedTIN: configuration.taxpayer.tin, now: now)
        guard inspection.accepted else {
            throw ConnectorError(.certificate, inspection.problems.joined(separator: "; "))
        }
        license = try Self.checkLicense(configuration, today: FiscalDate(now))
        if let previous, previous.configuration.journalPath == configuration.journalPath {
            shared = previous.shared
        } else {
            do {
                let journal = try Journal(path: configuration.journalPath, backgroundCheckpoints: longRunning)
                shared = Shared(journal: journal, deliveryLock: DeliveryLock(path: configuration.journalPath + ".deliver.lock", keep: longRunning))
            } catch {
                throw ConnectorError(.journal, error.message)
            }
        }
        journal = shared.journal
        var trusted: [Certificate] = []
        for path in configuration.taxAuthority.responseCertificates {
            do {
                trusted += try Certificate.all(contentsOf: path)
            } catch {
                throw ConnectorError(.configuration, "tax_authority.response_certificates: \(error)")
            }
        }
        signer = MessageSigner(identity: identity)
        client = EFIClient(url: configuration.taxAuthority.url, caFile: configuration.taxAuthority.caFile,
                           timeoutSeconds: configuration.taxAuthority.timeoutSeconds,
                           trustedSigners: configuration.taxAuthority.verifyResponses ? trusted : [])
    }

    /// Opens the configured certificate, explaining a missing file or password.
    static func openCertificate(_ configuration: ConnectorConfiguration, environment: [String: String]) throws(ConnectorError) -> SigningIdentity {
        let source = configuration.certificate
        guard FileManager.default.fileExists(atPath: source.file) else {
            throw ConnectorError(.certificate, "the certificate file \(source.file) does not exist ([certificate] file): install the taxpayer's certificate there; on a device enrolled with fiscal-admin, the integrator uploads it on the client's page and the connector receives it at its next refresh (run 'fiscal-connector refresh' to fetch it now)")
        }
        let password: String?
        do {
            password = try source.password(environment: environment)
        } catch {
            throw ConnectorError(.configuration, error.description)
        }
        do {
            return try SigningIdentity(contentsOf: source.file, password: password, keyPath: source.keyFile)
        } catch {
            let hint = password == nil ? " (the environment variable \(source.passwordEnvironmentVariable) is not set)" : ""
            throw ConnectorError(.certificate, "\(error)\(hint)")
        }
    }

    static func checkLicense(_ configuration: ConnectorConfiguration, today: FiscalDate) throws(ConnectorError) -> License {
        // An enrolled device's license comes with its profile from fiscal-admin: editing the file
        // would be undone at the next refresh, so the fix is a refresh or the integrator.
        let enrolled = DeviceEnrolment(directory: configuration.baseDirectory).isEnrolled
        let enrolledFix = "; this device is enrolled with fiscal-admin, which supplies its license: run 'fiscal-connector refresh' to fetch the current one, or ask your integrator to issue or renew it"
        guard let token = configuration.license.token, !token.isEmpty else {
            throw ConnectorError(.license, enrolled ? "no license in this device's profile" + enrolledFix
                                                    : "no license: put the token from your integrator in [license] token (fiscal-admin license issue creates one)")
        }
        do {
            return try verifyLicense(token, configuration, today: today)
        } catch {
            throw enrolled ? ConnectorError(.license, error.message + enrolledFix) : error
        }
    }

    /// Verifies `token` with the trusted keys and checks it against this configuration and day.
    static func verifyLicense(_ token: String, _ configuration: ConnectorConfiguration, today: FiscalDate) throws(ConnectorError) -> License {
        var keys: [Ed25519.PublicKey] = []
        do {
            let files = configuration.license.trustedKeyFiles.isEmpty ? LicenseKeys.installedKeyFiles() : configuration.license.trustedKeyFiles
            if files.isEmpty {
                throw LicenseError(.unknownKey, "no trusted license keys: set [license] trusted_keys to the license authority's public key file, or install it in Licenses/ beside the connector")
            }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw LicenseError(.badKey, "cannot read the license key \(file)")
                }
                keys += try LicenseKeys.publicKeys(pem: String(decoding: data, as: UTF8.self), file: file)
            }
            let license = try License.verify(token, trustedKeys: keys)
            try license.check(tin: configuration.taxpayer.tin, businessUnit: configuration.device.businessUnit, device: configuration.device.tcr,
                              environment: configuration.taxAuthority.environment.rawValue, today: today)
            return license
        } catch let error as LicenseError {
            throw ConnectorError(.license, "license: \(error.message)")
        } catch {
            throw ConnectorError(.license, "license: \(error)")
        }
    }

    /// The signing certificate.
    public var certificate: Certificate { signer.identity.certificate }

    /// Warnings that apply to every answer right now (certificate and license expiry).
    public func standingWarnings(now: Date) -> [String] {
        var warnings: [String] = []
        let days = certificate.daysUntilExpiry(from: now)
        if days <= CertificateInspection.warningDays {
            warnings.append("the signing certificate expires in \(days) day\(days == 1 ? "" : "s") (\(ISOTime.string(certificate.notAfter))): install the renewed certificate before then")
        }
        let left = FiscalDate(now).days(until: license.expires)
        if left <= 30 {
            warnings.append("the connector license expires on \(license.expires) (in \(left) day\(left == 1 ? "" : "s")): ask your integrator to renew it")
        }
        return warnings
    }

    // MARK: - sending

    /// Marks a document (by reference) as being issued or sent by this process; false if it
    /// already is. Issuing claims before the document is committed, so the background deliverer
    /// never takes a fresh document from the call that is about to send it.
    func claim(_ reference: String) -> Bool {
        shared.claims.claim(reference)
    }

    /// Claims `reference`, waiting while another call of this process holds it (a retry of the
    /// same invoice then gets the first call's result). False only if it stays held too long.
    func acquire(_ reference: String) async -> Bool {
        await shared.claims.acquire(reference, within: .seconds(configuration.taxAuthority.timeoutSeconds * 2 + 5))
    }

    func release(_ reference: String) {
        shared.claims.release(reference)
    }

    /// Sends a message for a journaled document and records the outcome.
    func deliver(_ message: SignedMessage, for document: JournalDocument, firstMessage: Bool, previousAttempts: [JournalAttempt] = []) async -> JournalEntry {
        await BlockingWorkers.shared.run { self.deliverNow(message, for: document, firstMessage: firstMessage, previousAttempts: previousAttempts) }
    }

    /// Sends and records one attempt, blocking the calling thread (one of the connector's own).
    func deliverNow(_ message: SignedMessage, for document: JournalDocument, firstMessage: Bool, previousAttempts: [JournalAttempt] = []) -> JournalEntry {
        let started = ISOTime.string(clock())
        let outcome = client.sendNow(message)
        return record(outcome, of: message, for: document, startedAt: started, firstMessage: firstMessage, previousAttempts: previousAttempts)
    }

    /// Records the outcome of one attempt that started at `started`.
    func record(_ outcome: TransportOutcome, of message: SignedMessage, for document: JournalDocument, startedAt started: String,
                firstMessage: Bool, previousAttempts: [JournalAttempt] = []) -> JournalEntry {
        let finished = ISOTime.string(clock())
        var attempt = JournalAttempt(
            id: nil, documentID: document.id!, number: 0, messageUUID: message.header.uuid,
            subsequentDelivery: message.header.subsequentDelivery?.rawValue, startedAt: started, finishedAt: finished,
            outcome: .failed, code: nil, faultCode: nil, faultMessage: nil, failure: nil, detail: nil,
            requestXML: firstMessage ? nil : message.xml, responseXML: nil
        )
        switch outcome {
        case .failed(let failure):
            attempt.failure = failure.code.rawValue
            attempt.detail = failure.message
        case .answered(let response, let xml):
            attempt.responseXML = xml
            switch response {
            case .invoice(_, let code), .tcr(_, let code), .cashDeposit(_, let code):
                attempt.outcome = .fiscalized
                attempt.code = code
            case .fault(let fault):
                attempt.faultCode = fault.code
                attempt.faultMessage = fault.message
                if document.kind == "deposit", document.operation == "INITIAL", fault.code == 56 {
                    // Already registered today (an earlier answer was lost): the deposit stands.
                    attempt.outcome = .fiscalized
                } else {
                    attempt.outcome = fault.disposition == .blocking ? .rejected : .failed
                }
            }
        }
        var attempts = previousAttempts
        do {
            attempts.append(try journal.record(attempt))
        } catch {
            // The attempt is lost from the journal, never the document: it stays pending and is delivered again.
        }
        return JournalEntry(document: document, attempts: attempts)
    }

    /// Signs a journaled document again for a later delivery: same content and IIC, new header.
    func resign(_ document: JournalDocument, reason: SubsequentDeliveryType) throws -> SignedMessage {
        let header = MessageHeader(sentAt: FiscalTimestamp(clock()), subsequentDelivery: reason)
        let payload = Data(document.payload.utf8)
        switch document.kind {
        case "invoice":
            let invoice = try JSONDecoder().decode(Invoice.self, from: payload)
            return try signer.sign(invoice, header: header, iic: IIC(code: document.iic ?? "", signature: document.iicSignature ?? "")).message
        case "deposit":
            return try signer.sign(try JSONDecoder().decode(CashDeposit.self, from: payload), header: header)
        default:
            let registration = try JSONDecoder().decode(TCRRegistration.self, from: payload)
            return try signer.sign(registration, header: MessageHeader(sentAt: header.sentAt), today: FiscalDate(clock()))
        }
    }

    /// The journal row for a document this device issues now: the device's identity from the
    /// configuration, the signed first message, and the deadline `deadlineHours` after `issuedAt`
    /// (a registration, which nothing delivers later, has none beyond `now`).
    func journalDocument(kind: String, reference: String, contentHash: String, businessDay: FiscalDate, operation: String?,
                         issuedAt: FiscalTimestamp, total: String, payload: some Encodable, message: SignedMessage, now: Date,
                         invoice: (year: Int, ordinal: Int, number: String, iic: IIC, qrURL: String)? = nil,
                         warnings: [String] = [], deferrable: Bool = true) -> JournalDocument {
        JournalDocument(
            id: nil, kind: kind, reference: reference, contentHash: contentHash, environment: configuration.taxAuthority.environment.rawValue,
            tin: configuration.taxpayer.tin, businessUnit: configuration.device.businessUnit, tcr: configuration.device.tcr,
            year: invoice?.year, ordinal: invoice?.ordinal, number: invoice?.number, businessDay: businessDay.description,
            operation: operation, iic: invoice?.iic.code, iicSignature: invoice?.iic.signature, issuedAt: issuedAt.text, total: total,
            payload: Self.encode(payload), requestXML: message.xml, messageUUID: message.header.uuid, qrURL: invoice?.qrURL,
            warnings: Self.encode(warnings), createdAt: ISOTime.string(now),
            deadline: ISOTime.string(deferrable ? issuedAt.date.addingTimeInterval(Double(Self.deadlineHours) * 3600) : now)
        )
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}

/// Why the connector cannot start.
public struct ConnectorError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The configuration file is wrong.
        case configuration
        /// The certificate cannot be used.
        case certificate
        /// No valid license for this device and environment.
        case license
        /// The journal cannot be opened.
        case journal
    }

    /// What went wrong.
    public let code: Code
    /// What to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }


}

extension ConnectorError {
    /// The problem code a result carries when the connector cannot start.
    public var problemCode: FiscalizationResult.ProblemCode {
        switch code {
        case .configuration: .configuration
        case .certificate: .certificate
        case .license: .license
        case .journal: .journal
        }
    }
}

extension Connector {
    /// A refusal when the certificate or the license has expired since start-up.
    func expiryRefusal(now: Date, reference: String?) -> FiscalizationResult? {
        if now > certificate.notAfter {
            return FiscalizationResult(status: .rejected, reference: reference, error: .init(
                code: .certificate, message: "the signing certificate expired on \(ISOTime.string(certificate.notAfter)); the tax authority refuses it: install the renewed certificate and restart"))
        }
        if license.expires < FiscalDate(now) {
            return FiscalizationResult(status: .rejected, reference: reference, error: .init(
                code: .license, message: "the connector license expired on \(license.expires): ask your integrator to renew it"))
        }
        return nil
    }
}
