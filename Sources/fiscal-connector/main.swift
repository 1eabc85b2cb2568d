import ArgumentParser
import FiscalConnector
import FiscalCore
import FiscalQueue
import Foundation
import Hummingbird
import Logging
import MontenegroFiscal
import ServiceLifecycle

@main
struct FiscalConnectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fiscal-connector",
        abstract: "Fiscalizes invoices with Montenegro's tax authority (EFI).",
        discussion: "Exit codes: 0 fiscalized (or done), 3 issued offline (FIC to follow), 2 rejected or invalid input (nothing issued), 1 internal error.",
        version: Connector.version,
        subcommands: [
            FiscalizeCommand.self, ServeCommand.self, DepositCommand.self, RegisterTCRCommand.self, DeliverCommand.self, StatusCommand.self,
            JournalCommand.self, EnrollCommand.self, RefreshCommand.self, DemoCommand.self, SimulatorCommand.self, IICCommand.self, CertificateCommand.self,
        ]
    )
}

// MARK: - shared plumbing

enum Output {
    static func json(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }

    static func warning(_ message: String) {
        FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
    }

    /// Reports a start-up problem as a rejected result (exit 2): nothing was issued.
    static func startupFailure(_ code: FiscalizationResult.ProblemCode, _ message: String) -> ExitCode {
        json(FiscalizationResult(status: .rejected, error: .init(code: code, message: message)))
        error(message)
        return ExitCode(2)
    }
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The connector's configuration file.")
    var config: String = "connector.toml"

    /// On an enrolled device, asks the admin server for a new profile first when the last attempt
    /// is older than the profile's refresh interval; an outage only prints a warning.
    func refreshIfDue(timeoutSeconds: Double = 2) async {
        let enrolment = DeviceEnrolment(configurationPath: config)
        if let warning = await enrolment.refreshIfDue(timeoutSeconds: timeoutSeconds)?.warning {
            Output.warning(warning)
        }
    }

    /// The configuration file, read without creating anything.
    func configuration() throws -> ConnectorConfiguration {
        do {
            return try ConnectorConfiguration.load(path: config)
        } catch {
            throw Output.startupFailure(.configuration, error.description)
        }
    }

    func connector(longRunning: Bool = false) throws -> Connector {
        do {
            return try Connector(configuration: ConnectorConfiguration.load(path: config), longRunning: longRunning)
        } catch let error as ConfigurationError {
            throw Output.startupFailure(.configuration, error.description)
        } catch let error as ConnectorError {
            throw Output.startupFailure(error.problemCode, error.message)
        }
    }
}

func password(from variable: String?) throws -> String? {
    guard let variable else { return nil }
    guard let value = ProcessInfo.processInfo.environment[variable] else {
        Output.error("the environment variable \(variable) is not set; export the certificate password in it (export \(variable)=…)")
        throw ExitCode(2)
    }
    return value
}

// MARK: - fiscalize

struct FiscalizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fiscalize",
        abstract: "Fiscalizes one invoice and prints the result as JSON.",
        discussion: "Exit codes: 0 fiscalized, 3 issued offline (deferred, FIC to follow), 2 rejected or invalid input, 1 internal error."
    )

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "The invoice file, or - for standard input.")
    var input: String = "-"
    @Option(name: .long, help: "Input format: json, csv or txt (default: from the file name, else json).")
    var format: InputFormat?
    @Option(name: .long, help: "Text encoding of csv/txt input: utf-8 or cp1250.")
    var encoding: InputEncoding = .utf8
    @Flag(name: .long, help: "Print the signed request without journaling or sending it.")
    var dryRun = false

    func run() async throws {
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: input) else {
                throw Output.startupFailure(.invalidInput, "cannot read the input file \(input)")
            }
            data = contents
        }
        if data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            let source = input == "-" ? "standard input" : "the input file \(input)"
            throw Output.startupFailure(.invalidInput, "\(source) is empty: pass one invoice as JSON (or CSV or text with --format csv|txt) in a file with --input FILE, or on standard input; the README's 'Input formats' shows complete examples")
        }
        await options.refreshIfDue()
        let connector = try options.connector()
        let chosen = format ?? InputFormat(fileName: input)
        let request: InvoiceRequest
        do {
            request = try InvoiceInput.parse(data, format: chosen.parserFormat, encoding: encoding.parserEncoding)
        } catch {
            let result = FiscalizationResult.invalid(error, reference: nil)
            Output.json(result)
            throw ExitCode(result.exitCode)
        }
        if dryRun {
            let result = await connector.fiscalize(request, dryRun: true)
            if let xml = result.signedRequest {
                FileHandle.standardOutput.write(Data((xml + "\n").utf8))
                return
            }
            Output.json(result)
            throw ExitCode(result.exitCode)
        }
        // Deliver what is due first, so older documents (and the day's deposit) reach the tax
        // authority in order; a journal error shows in the invoice's own result below.
        _ = try? await connector.deliverPending()
        let result = await connector.fiscalize(request)
        Output.json(result)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}

enum InputFormat: String, ExpressibleByArgument, CaseIterable {
    case json, csv, txt

    init(fileName: String) {
        let lower = fileName.lowercased()
        self = lower.hasSuffix(".csv") ? .csv : lower.hasSuffix(".txt") ? .txt : .json
    }

    var parserFormat: InvoiceInput.Format {
        switch self {
        case .json: .json
        case .csv: .csv
        case .txt: .text
        }
    }
}

enum InputEncoding: String, ExpressibleByArgument, CaseIterable {
    case utf8 = "utf-8", cp1250

    var parserEncoding: InvoiceInput.Encoding { self == .utf8 ? .utf8 : .windows1250 }
}

// MARK: - serve

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serves the local HTTP API and delivers pending documents in the background.",
        discussion: "Listens on [api] listen (127.0.0.1:8745 by default). Clients send 'Authorization: Bearer <token>' with the value of the variable named by [api] token_env. Stops gracefully on SIGTERM or SIGINT."
    )

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        // Everything that can fail at start is checked before anything is written (journal, lock).
        let configured = try options.configuration()
        let api = configured.api
        guard let token = ProcessInfo.processInfo.environment[api.tokenEnvironmentVariable], token.count >= 8 else {
            throw Output.startupFailure(.configuration, "set the API token in the environment variable \(api.tokenEnvironmentVariable) (at least 8 characters); clients send it as 'Authorization: Bearer <token>'")
        }
        do {
            try ListenCheck.check(host: api.host, port: api.port)
        } catch {
            throw Output.startupFailure(.configuration, "\(error.message): stop the other process or set [api] listen in \(options.config)")
        }
        let enrolment = DeviceEnrolment(configurationPath: options.config)
        await options.refreshIfDue(timeoutSeconds: 5)
        let connector = try options.connector(longRunning: true)
        var logging = Logger(label: "fiscal-connector")
        logging.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let logger = logging
        if api.allowRemote && !["127.0.0.1", "localhost", "::1"].contains(api.host) {
            logger.warning("The local API listens beyond this machine in plain HTTP; anyone on the network with the token can fiscalize.", metadata: ["listen": "\(api.host):\(api.port)"])
        }
        let connectors = ConnectorHolder(connector)
        var services: [any Service] = []
        if enrolment.isEnrolled {
            services.append(ProfileRefreshService(enrolment: enrolment, connectors: connectors, logger: logger))
        }
        let app = ConnectorServer.application(connectors: connectors, token: token, host: api.host, port: api.port, logger: logger, services: services) { port in
            logger.notice("Serving the local API.", metadata: ["address": "\(api.host):\(port)", "environment": "\(connector.configuration.taxAuthority.environment.rawValue)",
                                                             "enrolled": "\(enrolment.isEnrolled)"])
        }
        try await app.runService()
    }
}

// MARK: - deposit, register-tcr, deliver, status

struct DepositCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deposit",
        abstract: "Registers the day's INITIAL cash float, or a WITHDRAW with --withdraw."
    )

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "The amount, e.g. 50.00.")
    var amount: String
    @Flag(name: .long, help: "Register a withdrawal instead of the INITIAL float.")
    var withdraw = false
    @Option(name: .long, help: "Your unique reference, to make retries safe.")
    var reference: String?

    func run() async throws {
        guard let value = ExactDecimal(amount) else {
            throw Output.startupFailure(.invalidInput, "--amount '\(amount)' is not an amount: use a dot and at most two decimals, e.g. 50.00")
        }
        let connector = try options.connector()
        let result = await connector.deposit(amount: value, operation: withdraw ? .withdraw : .initial, reference: reference)
        Output.json(result)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}

struct RegisterTCRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register-tcr",
        abstract: "Registers this device (TCR/ENU) and prints its TCR code for [device] tcr_code.",
        discussion: "The [device] business_unit, internal_id, software_code and maintainer_code are sent. Register at least an hour before the first invoice. Exit codes: 0 registered (tcr_code printed), 2 refused or invalid input, 1 the tax authority did not answer (nothing is journaled or pending: run it again, which is safe) or internal error."
    )

    @OptionGroup var options: ConfigOption
    @Option(name: .customLong("valid-from"), help: "First day of use, YYYY-MM-DD.") var validFrom: String?
    @Option(name: .customLong("valid-to"), help: "Last day of use, YYYY-MM-DD (today deregisters).") var validTo: String?
    @Option(name: .long, help: "REGULAR or VENDING.") var type: String = "REGULAR"

    func run() async throws {
        let from = try validFrom.map { text in
            guard let date = FiscalDate(text) else { throw Output.startupFailure(.invalidInput, "--valid-from '\(text)' is not a date such as 2026-12-01") }
            return date
        }
        let to = try validTo.map { text in
            guard let date = FiscalDate(text) else { throw Output.startupFailure(.invalidInput, "--valid-to '\(text)' is not a date such as 2026-12-31") }
            return date
        }
        guard let kind = TCRType(rawValue: type.uppercased()) else {
            throw Output.startupFailure(.invalidInput, "--type '\(type)' is neither REGULAR nor VENDING")
        }
        let connector = try options.connector()
        let result = await connector.registerTCR(validFrom: from, validTo: to, type: kind)
        Output.json(TCRResult(status: result.status.rawValue, tcrCode: result.fic, error: result.error))
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }

    struct TCRResult: Encodable {
        let status: String
        let tcrCode: String?
        let error: FiscalizationResult.Problem?

        enum CodingKeys: String, CodingKey { case status, tcrCode = "tcr_code", error }
    }
}

struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Delivers every pending invoice and deposit now (same IIC, SubseqDelivType set).",
        discussion: "Exit code 0 when nothing is left pending, 3 when some documents are still pending."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        await options.refreshIfDue()
        let connector = try options.connector()
        let report: Connector.DeliveryReport
        do {
            report = try await connector.deliverPending(force: true)
        } catch {
            Output.error("cannot read the journal \(connector.configuration.journalPath): \(error)")
            throw ExitCode(1)
        }
        Output.json(report)
        if !report.stillPending.isEmpty || !report.waiting.isEmpty { throw ExitCode(3) }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Shows environment, certificate and license expiry, pending documents and their deadlines."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        await options.refreshIfDue()
        let connector = try options.connector()
        Output.json(try await connector.status())
    }
}

// MARK: - journal

struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Reads the journal of issued documents.",
        subcommands: [List.self, Show.self, Export.self, Report.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes the offline-delivery archives of pending documents, as the specification lays them out.",
            discussion: "Each pending document is signed again with SubseqDelivType and written as <yyyyMMddHHmmss>_<TCRCode>_<IIC>_request.xml (the request element only) into <yyyyMMddHHmmss>_<TCRCode>_request.zip, at most 15 MB each, for upload to the tax authority's portal."
        )
        @OptionGroup var options: ConfigOption
        @Option(name: .long, help: "Folder to write the archives into.") var out: String = "."
        @Option(name: .long, help: "SubseqDelivType: NOINTERNET, BOUNDBOOK, SERVICE, TECHNICALERROR or BUSINESSNEEDS.") var reason: String = "NOINTERNET"

        func run() async throws {
            guard let kind = SubsequentDeliveryType(rawValue: reason.uppercased()) else {
                throw Output.startupFailure(.invalidInput, "--reason '\(reason)' is not one of \(SubsequentDeliveryType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let connector = try options.connector()
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var written: [[String: String]] = []
            for archive in try await connector.offlineDeliveryArchives(reason: kind) {
                let path = URL(fileURLWithPath: out).appendingPathComponent(archive.name).path
                try archive.data.write(to: URL(fileURLWithPath: path))
                written.append(["file": path, "documents": String(archive.count)])
            }
            Output.json(written)
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints the daily summary of this TCR: invoices, totals by payment method and VAT rate, deposits.")
        @OptionGroup var options: ConfigOption
        @Option(name: .long, help: "Business day, YYYY-MM-DD (default today in Montenegro).") var day: String?

        func run() async throws {
            let date = try day.map { text in
                guard let parsed = FiscalDate(text) else { throw Output.startupFailure(.invalidInput, "--day '\(text)' is not a date such as 2026-11-21") }
                return parsed
            } ?? FiscalDate(Date())
            let connector = try options.connector()
            Output.json(try await connector.dailyReport(day: date))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists documents, newest first.")
        @OptionGroup var options: ConfigOption
        @Option(name: .long, help: "The kind of document: invoice, deposit or tcr.") var kind: DocumentKind?
        @Option(name: .long, help: "The state: fiscalized, pending or rejected.") var state: DocumentStateArgument?
        @Option(name: .long, help: "Business day, YYYY-MM-DD.", transform: BusinessDay.parse) var day: FiscalDate?
        @Option(name: .long, help: "How many.") var limit: Int = 50

        func run() async throws {
            let connector = try options.connector()
            let entries = try await connector.journal.entries(kind: kind?.rawValue, state: state?.documentState, day: day?.description, limit: limit)
            Output.json(entries.map { JournalLine($0) })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one document with every delivery attempt and the signed XML.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "The document's reference.") var reference: String

        func run() async throws {
            let connector = try options.connector()
            guard let entry = try await connector.journal.entry(reference: reference) else {
                Output.error("no document with reference '\(reference)'")
                throw ExitCode(2)
            }
            Output.json(JournalDetail(entry: entry, result: connector.result(for: entry)))
        }
    }

    /// `--kind` of `journal list`.
    enum DocumentKind: String, ExpressibleByArgument, CaseIterable {
        case invoice, deposit, tcr
    }

    /// `--state` of `journal list`.
    enum DocumentStateArgument: String, ExpressibleByArgument, CaseIterable {
        case fiscalized, pending, rejected

        var documentState: DocumentState {
            switch self {
            case .fiscalized: .fiscalized
            case .pending: .pending
            case .rejected: .rejected
            }
        }
    }

    /// A `--day` value.
    enum BusinessDay {
        static func parse(_ text: String) throws -> FiscalDate {
            guard let day = FiscalDate(text) else { throw ArgumentParser.ValidationError("'\(text)' is not a day: use YYYY-MM-DD, e.g. 2026-11-21") }
            return day
        }
    }

    struct JournalLine: Encodable {
        let reference: String, kind: String, state: String, number: String?, iic: String?, fic: String?, issuedAt: String, total: String, attempts: Int

        init(_ entry: JournalEntry) {
            reference = entry.document.reference
            kind = entry.document.kind
            state = entry.state.rawValue
            number = entry.document.number
            iic = entry.document.iic
            fic = entry.success?.code
            issuedAt = entry.document.issuedAt
            total = entry.document.total
            attempts = entry.attempts.count
        }

        enum CodingKeys: String, CodingKey { case reference, kind, state, number, iic, fic, issuedAt = "issued_at", total, attempts }
    }

    struct JournalDetail: Encodable {
        let entry: JournalEntry
        let result: FiscalizationResult

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(result, forKey: .result)
            try container.encode(entry.document.requestXML, forKey: .signedRequest)
            try container.encode(entry.attempts.map(Attempt.init), forKey: .attempts)
        }

        enum Key: String, CodingKey { case result, signedRequest = "signed_request", attempts }

        struct Attempt: Encodable {
            let number: Int, startedAt: String, outcome: AttemptOutcome, messageUUID: String, subsequentDelivery: String?
            let code: String?, faultCode: Int?, faultMessage: String?, failure: String?, detail: String?

            init(_ attempt: JournalAttempt) {
                number = attempt.number
                startedAt = attempt.startedAt
                outcome = attempt.outcome
                messageUUID = attempt.messageUUID
                subsequentDelivery = attempt.subsequentDelivery
                code = attempt.code
                faultCode = attempt.faultCode
                faultMessage = attempt.faultMessage
                failure = attempt.failure
                detail = attempt.detail
            }

            enum CodingKeys: String, CodingKey {
                case number, startedAt = "started_at", outcome, messageUUID = "message_uuid", subsequentDelivery = "subsequent_delivery"
                case code, faultCode = "fault_code", faultMessage = "fault_message", failure, detail
            }
        }
    }
}

// MARK: - enroll, refresh

struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enrols this connector with the fiscal-admin back office and writes its configuration.",
        discussion: """
            Creates device.key (or reuses it), registers its public key with the device token, and writes certificate.p12, \
            certificate.password, license-authority.pub, connector.toml and enrolment.json into the folder. \
            Exit codes: 0 enrolled, 2 refused (bad token or address, device not ready), 1 admin server unreachable or internal error.
            """
    )

    @Option(name: .long, help: "The admin server's base URL, e.g. https://admin.example.com.")
    var admin: String
    @Option(name: .long, help: "The enrolment token (fdt_…) created on the device's page in fiscal-admin.")
    var token: String
    @Option(name: .long, help: "The folder for connector.toml and its files (default: the current folder).")
    var dir: String = "."

    func run() async throws {
        let summary: EnrolmentSummary
        do {
            summary = try await DeviceEnrolment.enroll(adminURL: admin, token: token, directory: dir)
        } catch {
            Output.error(error.message)
            throw ExitCode(error.isRefusal ? 2 : 1)
        }
        let folder = DeviceEnrolment(directory: dir).directory
        print("Enrolled \(folder)\n\(summary)")
        print("The connector refreshes this configuration from the admin server on its own; start it with: fiscal-connector serve --config \(folder)/\(DeviceEnrolment.configurationFile)")
    }
}

struct RefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Fetches this enrolled connector's profile from the admin server now, applies it and reports back.",
        discussion: "Exit codes: 0 up to date, 2 refused (the device token was replaced: enroll again), 1 admin server unreachable (the cached files stay in use) or internal error."
    )

    @Option(name: .long, help: "The enrolled folder (where connector.toml and enrolment.json are; default: the current folder).")
    var dir: String = "."

    func run() async throws {
        let enrolment = DeviceEnrolment(directory: dir)
        let outcome = await enrolment.refreshProfile()
        switch outcome {
        case .applied(let summary):
            print("Applied profile \(summary.revision.prefix(12))\n\(summary)")
        case .unchanged(let revision):
            print("The profile \(revision.prefix(12)) is current.")
        case .cached(_, let error), .refused(_, let error), .failed(let error):
            Output.error(outcome.warning ?? error.message)
            throw ExitCode(error.isRefusal ? 2 : 1)
        }
        // Report to the admin server from the connector the files make now.
        do {
            let connector = try Connector(configuration: ConnectorConfiguration.load(path: enrolment.configurationPath))
            try await enrolment.sendHeartbeat(try await connector.heartbeat())
        } catch let error as EnrolmentError {
            Output.warning("cannot report to the admin server: \(error.message)")
        } catch {
            Output.warning("the connector cannot start with these files, so nothing was reported: \(error)")
        }
    }
}

// MARK: - demo

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Runs a complete demonstration against the simulated tax authority.",
        discussion: """
            Mints a demo certificate and license (or reuses those of an earlier run in the folder), runs the simulator on 127.0.0.1 \
            while it fiscalizes sample invoices (one issued offline and delivered later), and leaves the configuration, journal and \
            the simulator's state in the folder. Afterwards 'fiscal-connector simulator --data DIR' serves that configuration. \
            Exit code 0 when every step went as narrated, 1 otherwise.
            """
    )

    @Option(name: .long, help: "Folder for the demo's configuration, certificates and journal.")
    var directory: String = "fiscal-demo"
    @Option(name: .long, help: "The simulator's port on 127.0.0.1, during the demo and in the configuration it leaves.")
    var port: Int = Demo.simulatorPort
    @Flag(name: .long, help: "Print every result as JSON.")
    var json = false

    func run() async throws {
        let outcome: Demo.Outcome
        do {
            outcome = try await Demo.run(directory: directory, port: port) { line in
                FileHandle.standardError.write(Data(("· " + line + "\n").utf8))
            }
        } catch let error as DemoError {
            Output.error(error.message)
            throw ExitCode(1)
        }
        if json {
            Output.json(outcome.results.map(\.result))
        } else {
            for (title, result) in outcome.results {
                print("\n\(title)")
                print("  status   \(result.status.rawValue)\(result.invoiceNumber.map { "   invoice \($0)" } ?? "")")
                if let iic = result.iic { print("  IIC      \(iic)") }
                print("  FIC      \(result.fic ?? "— (to follow; deliver by \(result.deliverBy ?? "?"))")")
                if let qr = result.qrURL { print("  QR       \(qr)") }
                for warning in result.warnings { print("  note     \(warning)") }
                if let error = result.error { print("  error    \(error.message)") }
            }
        }
        if let failure = outcome.failure {
            Output.error("the demo did not go as narrated: \(failure.message)")
            throw ExitCode(1)
        }
        let config = "\(outcome.directory)/connector.toml"
        let portOption = outcome.simulatorPort == Demo.simulatorPort ? "" : " --port \(outcome.simulatorPort)"
        fflush(nil) // the results first, then the hint
        FileHandle.standardError.write(Data("""

            The demo's configuration and journal are in \(outcome.directory). Its tax authority is the simulator on
            127.0.0.1:\(outcome.simulatorPort), which stopped with the demo. To use the configuration, start the simulator
            in another terminal (it runs until Ctrl-C and remembers what it registered):
              fiscal-connector simulator --data \(outcome.directory)\(portOption)
            then, for example:
              export FISCAL_CERT_PASSWORD=\(Demo.password)
              fiscal-connector fiscalize --config \(config) --input invoice.json
              fiscal-connector journal list --config \(config)

            """.utf8))
    }
}

// MARK: - simulator

struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Runs the simulated tax authority on 127.0.0.1 until Ctrl-C (for the demo's configuration, or fiscal-admin --test-url).",
        discussion: """
            Signs its answers with the demo folder's tax-authority.p12 and trusts certificates of its demo CA (run \
            'fiscal-connector demo' first), and keeps what it registers (invoices, TCR codes, cash deposits) in \
            simulator-state.json there, so a restart changes nothing. Its endpoint is http://127.0.0.1:PORT/fs-v1. \
            Stops gracefully on SIGINT or SIGTERM.
            """
    )

    @Option(name: .long, help: "The port on 127.0.0.1 (0 picks a free one).")
    var port: Int = Demo.simulatorPort
    @Option(name: .long, help: "The demo folder holding the simulator's certificates and state.")
    var data: String = "fiscal-demo"
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        var logging = Logger(label: "efi-simulator")
        logging.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let logger = logging
        do {
            try ListenCheck.check(host: "127.0.0.1", port: port)
        } catch {
            Output.error("\(error.message): stop the other process (another simulator, or a demo running now), or pick another with --port")
            throw ExitCode(2)
        }
        do {
            try await Demo.simulatorApplication(data: data, port: port, logger: logger) { bound in
                logger.notice("Serving the simulated tax authority; Ctrl-C stops it.", metadata: [
                    "address": "127.0.0.1:\(bound)", "url": "http://127.0.0.1:\(bound)/fs-v1", "data": "\(data)",
                ])
            }.runService()
        } catch let error as DemoError {
            Output.error(error.message)
            throw ExitCode(2)
        }
        logger.notice("The simulated tax authority stopped.")
    }
}

// MARK: - iic, certificate

struct IICCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iic",
        abstract: "Recomputes an invoice's IIC and IIC signature (the inspector's check).",
        discussion: "Give the seven values either as one --input 'TIN|IssueDateTime|InvOrdNum|BusinUnitCode|TCRCode|SoftCode|TotPrice' or as separate options."
    )

    @Option(name: .long, help: "The issuer's certificate: PKCS#12 (.p12/.pfx) or PEM.")
    var certificate: String
    @Option(name: .customLong("password-env"), help: "Environment variable holding the certificate password.")
    var passwordEnv: String?
    @Option(name: .long, help: "The seven values joined by '|'.")
    var input: String?
    @Option(name: .long, help: "Issuer TIN.") var tin: String?
    @Option(name: .customLong("issued-at"), help: "IssueDateTime exactly as sent, e.g. 2026-11-21T10:15:00+01:00.") var issuedAt: String?
    @Option(name: .long, help: "InvOrdNum.") var ordinal: String?
    @Option(name: .customLong("business-unit"), help: "BusinUnitCode.") var businessUnit: String?
    @Option(name: .customLong("tcr"), help: "TCRCode.") var tcr: String?
    @Option(name: .customLong("software"), help: "SoftCode.") var software: String?
    @Option(name: .long, help: "TotPrice with two decimals, e.g. 99.01.") var total: String?

    func run() throws {
        let iicInput: IICInput
        do {
            if let input {
                iicInput = try IICInput(parsing: input)
            } else {
                let fields = [tin, issuedAt, ordinal, businessUnit, tcr, software, total]
                let names = ["--tin", "--issued-at", "--ordinal", "--business-unit", "--tcr", "--software", "--total"]
                let missing = zip(fields, names).filter { $0.0 == nil }.map(\.1)
                guard missing.isEmpty else {
                    Output.error("give --input 'TIN|…|TOTAL' or all of \(names.joined(separator: ", ")); missing: \(missing.joined(separator: ", "))")
                    throw ExitCode(2)
                }
                let candidate = IICInput(tin: tin!, issuedAt: issuedAt!, ordinal: ordinal!, businessUnit: businessUnit!, tcr: tcr!, software: software!, totalPrice: total!)
                let problems = candidate.issues
                if !problems.isEmpty { throw MontenegroFiscal.ValidationError(problems) }
                iicInput = candidate
            }
            let identity = try SigningIdentity(contentsOf: certificate, password: try password(from: passwordEnv))
            Output.json(try IICComputation.compute(iicInput, identity: identity))
        } catch let error as MontenegroFiscal.ValidationError {
            Output.error(error.description)
            throw ExitCode(2)
        } catch let error as CertificateError {
            Output.error(error.description)
            throw ExitCode(2)
        }
    }
}

struct CertificateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Works with the taxpayer's certificate.",
        subcommands: [Inspect.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shows subject, TIN, validity, days left and whether the connector would accept the certificate.",
            discussion: "Exits 0 when the certificate would be accepted, 2 when not or when it cannot be opened."
        )

        @Argument(help: "The certificate: PKCS#12 (.p12/.pfx) or PEM.")
        var file: String
        @Option(name: .customLong("password-env"), help: "Environment variable holding the certificate password.")
        var passwordEnv: String?
        @Option(name: .customLong("key"), help: "Separate PEM private key file, if the certificate is PEM.")
        var keyFile: String?
        @Option(name: .long, help: "The taxpayer's TIN the certificate must carry.")
        var tin: String?

        func run() throws {
            do {
                let report = try CertificateInspection.inspect(file: file, password: try password(from: passwordEnv), keyFile: keyFile, expectedTIN: tin)
                Output.json(report)
                if !report.accepted { throw ExitCode(2) }
            } catch let error as CertificateError {
                Output.error(error.description)
                throw ExitCode(2)
            }
        }
    }
}
