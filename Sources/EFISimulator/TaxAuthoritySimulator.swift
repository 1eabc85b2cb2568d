public import FiscalCore
import Foundation
public import MontenegroFiscal

/// A simulated EFI fiscalization service: it checks messages as the real one does (schema,
/// signature, certificate TIN, clock, daily cash deposit), issues FICs, TCR codes and FCDCs,
/// signs its answers, and can be told to fail (down, slow, fault codes, lost answers).
///
/// Registration is idempotent by IIC, as a subsequent delivery of the same invoice must not
/// create a second one.
public actor TaxAuthoritySimulator {
    /// A failure to inject.
    public enum Failure: Sendable, Equatable {
        /// Answer HTTP 503 without a SOAP body (service down behind a proxy).
        case down
        /// Wait this long before processing (the caller's timeout expires first).
        case slow(seconds: Double)
        /// Answer with this EFI fault code.
        case fault(code: Int)
        /// Register the message, then wait this long before answering (the answer is lost).
        case dropAfterRegistering(seconds: Double)
    }

    /// An invoice the simulator registered.
    public struct RegisteredInvoice: Sendable, Equatable, Codable {
        /// The issuer's code from the request, the key a repeated delivery is recognised by.
        public let iic: String
        /// The code the simulator answered with; a repeated delivery gets the same one back.
        public let fic: String
        /// The request's `InvNum` (`BU/ordinal/year/TCR`), empty when the request had none.
        public let number: String
        /// The request's `TotPrice` text as sent (empty when the request had none).
        public let total: String
        /// How many messages carried this IIC.
        public var deliveries: Int
        /// `SubseqDelivType` of the last delivery.
        public var lastSubsequentDelivery: SubsequentDeliveryType?
    }

    private let identity: SigningIdentity
    private let trusted: [Certificate]
    /// Whether CASH invoices need the day's INITIAL deposit first (error 58).
    public var requireInitialDeposit: Bool
    private var queued: [Failure] = []
    private var persistent: Failure?
    private var state: State
    /// Where ``state`` is kept between runs (nil: in memory only).
    private let stateFile: String?
    /// Every request received, in order (kind and header UUID).
    public private(set) var received: [(kind: MessageKind, uuid: String)] = []

    /// What the simulator registered: invoices, TCR codes, cash deposits and the days with an
    /// INITIAL deposit. Kept in a file, a restarted simulator answers as the one before it did.
    public struct State: Sendable, Codable, Equatable {
        var invoices: [String: RegisteredInvoice] = [:]
        var tcrCodes: [String: String] = [:]
        var deposits: [String: String] = [:]
        var initialDays: Set<String> = []

        /// Nothing registered yet.
        public init() {}

        /// The state kept in `path`, or an empty one when the file does not exist yet.
        public static func load(from path: String) throws -> State {
            guard let data = FileManager.default.contents(atPath: path) else {
                if FileManager.default.fileExists(atPath: path) {
                    throw SimulatorError(.stateUnreadable, "cannot read the simulator's state \(path): check its owner and mode", source: path)
                }
                return State()
            }
            do {
                return try JSONDecoder().decode(State.self, from: data)
            } catch {
                throw SimulatorError(.stateDamaged, "the simulator's state \(path) is damaged (\(error)): delete it to start with an empty tax authority", source: path)
            }
        }
    }

    /// Creates a simulator that signs answers with `identity` and trusts signers issued by (or
    /// equal to) `trusted`. With `stateFile` it starts from what that file holds and writes every
    /// registration to it.
    public init(identity: SigningIdentity, trusted: [Certificate], requireInitialDeposit: Bool = true,
                state: State = State(), stateFile: String? = nil) {
        self.identity = identity
        self.trusted = trusted
        self.requireInitialDeposit = requireInitialDeposit
        self.state = state
        self.stateFile = stateFile
    }

    /// Writes the state to its file, whole or not at all.
    private func save() {
        guard let stateFile else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // A write that fails leaves the previous file; the simulator keeps answering from memory.
        try? encoder.encode(state).write(to: URL(fileURLWithPath: stateFile), options: .atomic)
    }

    /// Fails the next `times` requests this way.
    public func inject(_ failure: Failure, times: Int = 1) {
        queued.append(contentsOf: Array(repeating: failure, count: times))
    }

    /// Fails every request this way until cleared with nil.
    public func setPersistentFailure(_ failure: Failure?) {
        persistent = failure
    }

    /// Changes whether CASH invoices need the day's INITIAL deposit.
    public func setRequireInitialDeposit(_ required: Bool) {
        requireInitialDeposit = required
    }

    /// The invoices registered so far.
    public var invoices: [RegisteredInvoice] { Array(state.invoices.values) }

    /// The registered invoice with this IIC.
    public func invoice(iic: String) -> RegisteredInvoice? { state.invoices[iic] }

    /// Handles one HTTP request body; returns the HTTP status and the answer.
    public func handle(_ body: [UInt8]) async -> (status: Int, body: String) {
        let failure = queued.isEmpty ? persistent : queued.removeFirst()
        switch failure {
        case .down:
            return (503, "Service Unavailable")
        case .slow(let seconds):
            try? await Task.sleep(for: .seconds(seconds))
        case .fault(let code):
            let uuid = try? IncomingRequest.read(body, trusting: trusted, at: Date()).uuid
            return (500, ResponseWriter.fault(code: code, message: "Simulated fault \(code)", requestUUID: uuid))
        default:
            break
        }
        let answer = process(body)
        if case .dropAfterRegistering(let seconds) = failure {
            try? await Task.sleep(for: .seconds(seconds))
        }
        return answer
    }

    private func process(_ body: [UInt8]) -> (status: Int, body: String) {
        let now = Date()
        let request: IncomingRequest
        do {
            request = try IncomingRequest.read(body, trusting: trusted, at: now)
        } catch {
            return fault(10, "Exception while extracting the received XML: \(error.message)", nil)
        }
        received.append((request.kind, request.uuid))
        if let problem = request.schemaProblems.first {
            return fault(11, "XML message validation failed: \(problem)", request.uuid)
        }
        let signer: Certificate
        switch request.signature {
        case .valid(let certificate):
            signer = certificate
        case .invalid(let failure):
            let code = switch failure.code {
            case .missingSignature: 21
            case .unexpectedAlgorithm: 26
            case .referenceMismatch: 25
            case .digestMismatch: 30
            case .badSignature: 29
            case .untrustedSigner: 35
            case .signerNotValidAtTime: 36
            case .malformed: 20
            }
            return fault(code, "Signature validation failed: \(failure.message)", request.uuid)
        }
        let messageTIN = request.kind == .registerInvoice
            ? (request.attributes["TypeOfSelfIss"] == nil ? request.sellerID : nil)
            : request.attributes["IssuerTIN"]
        if let messageTIN, messageTIN != signer.taxpayerTIN?.value {
            return fault(37, "TIN in the message (\(messageTIN)) differs from the TIN in the certificate (\(signer.taxpayerTIN?.value ?? "none"))", request.uuid)
        }
        if request.subsequentDelivery == nil, let sent = request.sentAt, abs(sent.date.timeIntervalSince(now)) > 6 * 3600 {
            return fault(2, "The difference between client and server time is too large", request.uuid)
        }
        switch request.kind {
        case .registerInvoice: return registerInvoice(request, now)
        case .registerTCR: return registerTCR(request, now)
        case .registerCashDeposit: return registerDeposit(request, now)
        }
    }

    private func registerInvoice(_ request: IncomingRequest, _ now: Date) -> (status: Int, body: String) {
        let iic = request.attributes["IIC"] ?? ""
        if var known = state.invoices[iic] {
            known.deliveries += 1
            known.lastSubsequentDelivery = request.subsequentDelivery
            state.invoices[iic] = known
            save()
            return answer(.registerInvoice, request, known.fic, now)
        }
        let tcr = request.attributes["TCRCode"] ?? ""
        if requireInitialDeposit, request.attributes["TypeOfInv"] == "CASH",
           let issued = request.attributes["IssueDateTime"].flatMap(FiscalTimestamp.init),
           !state.initialDays.contains("\(tcr)/\(FiscalDate(issued.date))") {
            return fault(58, "INITIAL cash deposit is not registered for TCR \(tcr) on \(FiscalDate(issued.date))", request.uuid)
        }
        let fic = MessageHeader(sentAt: FiscalTimestamp(now)).uuid
        state.invoices[iic] = RegisteredInvoice(iic: iic, fic: fic, number: request.attributes["InvNum"] ?? "", total: request.attributes["TotPrice"] ?? "",
                                                deliveries: 1, lastSubsequentDelivery: request.subsequentDelivery)
        save()
        return answer(.registerInvoice, request, fic, now)
    }

    private func registerTCR(_ request: IncomingRequest, _ now: Date) -> (status: Int, body: String) {
        let key = "\(request.attributes["BusinUnitCode"] ?? "")/\(request.attributes["TCRIntID"] ?? "")"
        if let code = state.tcrCodes[key] { return answer(.registerTCR, request, code, now) }
        var generator = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijklmnopqrstuvwxyz"), digits = Array("0123456789")
        let code = String((0..<10).map { index in
            [0, 1, 5, 6].contains(index) ? letters.randomElement(using: &generator)! : digits.randomElement(using: &generator)!
        })
        state.tcrCodes[key] = code
        save()
        return answer(.registerTCR, request, code, now)
    }

    private func registerDeposit(_ request: IncomingRequest, _ now: Date) -> (status: Int, body: String) {
        let a = request.attributes
        let tcr = a["TCRCode"] ?? ""
        guard let changed = a["ChangeDateTime"].flatMap(FiscalTimestamp.init) else {
            return fault(11, "ChangeDateTime is invalid", request.uuid)
        }
        if request.subsequentDelivery == nil, abs(changed.date.timeIntervalSince(now)) > 6 * 3600 {
            return fault(49, "ChangeDateTime is too far from the server time", request.uuid)
        }
        let key = "\(tcr)/\(a["ChangeDateTime"] ?? "")/\(a["Operation"] ?? "")/\(a["CashAmt"] ?? "")"
        if let fcdc = state.deposits[key] { return answer(.registerCashDeposit, request, fcdc, now) }
        let day = "\(tcr)/\(FiscalDate(changed.date))"
        if a["Operation"] == "INITIAL" {
            if state.initialDays.contains(day) { return fault(56, "INITIAL cash deposit is already registered for today", request.uuid) }
            state.initialDays.insert(day)
        } else if a["CashAmt"].flatMap(ExactDecimal.init)?.isZero == true {
            return fault(51, "WITHDRAW amount must not be zero", request.uuid)
        }
        let fcdc = MessageHeader(sentAt: FiscalTimestamp(now)).uuid
        state.deposits[key] = fcdc
        save()
        return answer(.registerCashDeposit, request, fcdc, now)
    }

    private func answer(_ kind: MessageKind, _ request: IncomingRequest, _ value: String, _ now: Date) -> (status: Int, body: String) {
        (200, ResponseWriter.response(kind, requestUUID: request.uuid, value: value, sentAt: FiscalTimestamp(now), identity: identity))
    }

    private func fault(_ code: Int, _ message: String, _ uuid: String?) -> (status: Int, body: String) {
        (500, ResponseWriter.fault(code: code, message: message, requestUUID: uuid))
    }
}
