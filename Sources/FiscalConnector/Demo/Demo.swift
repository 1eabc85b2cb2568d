public import EFISimulator
public import FiscalCore
import Foundation
public import Hummingbird
public import Logging
import MontenegroFiscal

/// `fiscal-connector demo`: a complete run against the simulated tax authority, with a demo
/// certificate and license, leaving behind a configuration that `fiscal-connector simulator`
/// serves later. It can run again in the same folder: it keeps the certificates, the journal and
/// the simulator's state, so ordinals continue and the day's cash deposit is known to both sides.
public enum Demo {
    /// What the demo did.
    public struct Outcome: Sendable {
        /// The folder with configuration, certificates and journal.
        public let directory: String
        /// The port the configuration expects the simulator on.
        public let simulatorPort: Int
        /// Each sample document and its result, up to the first step that did not go as narrated.
        public let results: [(title: String, result: FiscalizationResult)]
        /// The step that did not go as narrated, if one did not.
        public let failure: DemoError?
    }

    /// The demo certificate password (the demo folder is not a production set-up).
    public static let password = "demo1234"
    /// The port of the simulated tax authority the demo's configuration points at.
    public static let simulatorPort = 8743
    /// The simulator's state in the demo folder: what it registered, kept across restarts.
    public static let simulatorStateFile = "simulator-state.json"
    /// The simulated tax authority's signing certificate and key in the demo folder.
    static let authorityFile = "tax-authority.p12"
    /// The demo CA, trusted by the simulator for the taxpayer's seal.
    static let caFile = "demo-ca.pem"
    /// The taxpayer's seal (TIN 12345678) the demo's connector signs with.
    static let sealFile = "demo-seal.p12"
    /// The simulated tax authority's certificate, trusted by the connector for its answers.
    static let authorityCertificateFile = "tax-authority.pem"

    /// The simulated tax authority of a demo folder: its certificate, the demo CA it trusts and
    /// the state it keeps in ``simulatorStateFile``.
    public static func simulator(data directory: String) throws(DemoError) -> TaxAuthoritySimulator {
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.path
        let identity: SigningIdentity, ca: [Certificate]
        do {
            identity = try SigningIdentity(contentsOf: folder + "/" + authorityFile, password: password)
            ca = try Certificate.all(contentsOf: folder + "/" + caFile)
        } catch {
            throw DemoError(.material, "\(folder) holds no simulator certificates (\(authorityFile), \(caFile)): run 'fiscal-connector demo --directory \(directory)' first; it mints the certificates the simulator and the demo's connector share (\(error))")
        }
        do {
            let state = try TaxAuthoritySimulator.State.load(from: folder + "/" + simulatorStateFile)
            return TaxAuthoritySimulator(identity: identity, trusted: ca, state: state, stateFile: folder + "/" + simulatorStateFile)
        } catch {
            throw DemoError(.material, "\(error)")
        }
    }

    /// `fiscal-connector simulator`: the simulated tax authority of a demo folder as an HTTP
    /// application on 127.0.0.1:`port`, to run as a `Service`; `onRunning` receives the bound port.
    public static func simulatorApplication(data directory: String, port: Int, logger: Logger,
                                            onRunning: @escaping @Sendable (Int) async -> Void) throws(DemoError) -> some ApplicationProtocol {
        SimulatorServer.application(try simulator(data: directory), port: port, logger: logger, onRunning: onRunning)
    }

    /// Runs the demo in `directory` (created if missing) with the simulator listening on
    /// 127.0.0.1:`port` while it runs; `log` receives progress lines. Every step checks its
    /// outcome: the first that does not go as narrated ends the demo with ``Outcome/failure``.
    public static func run(directory: String, port: Int = simulatorPort, log: @escaping @Sendable (String) -> Void) async throws -> Outcome {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.path
        func write(_ name: String, _ data: some DataProtocol) throws {
            try Data(data).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        if reusableMaterial(in: folder) {
            log("reusing the demo certificates of an earlier run in \(folder) (the simulator there trusts them)")
        } else {
            log("minting a demo CA, a taxpayer seal (TIN 12345678) and the simulated tax authority's certificate")
            let ca = try CertificateFactory.mint(.init(organization: "Fiscal Demo", commonName: "Fiscal Demo CA"), isCA: true, days: 3650, password: password)
            let seal = try CertificateFactory.mint(.init(organization: "Demo DOO", organizationIdentifier: "VATME-12345678", commonName: "Demo DOO Pecat"),
                                                   issuer: ca, password: password)
            let authority = try CertificateFactory.mint(.init(organization: "Uprava prihoda i carina (demo)", organizationIdentifier: "VATME-\(EFIEnvironment.taxAuthorityTIN)", commonName: "Fiscal Demo Service"),
                                                        issuer: ca, password: password)
            try write(sealFile, seal.pkcs12)
            try write(caFile, Array(ca.certificate.pem.utf8))
            try write(authorityFile, authority.pkcs12)
            try write(authorityCertificateFile, Array(authority.certificate.pem.utf8))
        }

        log("issuing a demo license for device si747we972 (test environment)")
        let licenseKey = Ed25519.PrivateKey.generate()
        try write("license-authority.pub", Array(licenseKey.publicKey.pem.utf8))
        let today = FiscalDate(Date())
        let license = try License(keyID: licenseKey.publicKey.keyID, tin: "12345678", businessUnit: "xx123xx123", device: "si747we972",
                                  environments: ["test"], issued: today, expires: today.adding(days: 365)).token(signedWith: licenseKey)

        log("starting the simulated tax authority on 127.0.0.1:\(port) (its state is kept in \(simulatorStateFile))")
        let authority = try simulator(data: folder)
        let server: SimulatorServer
        do {
            try ListenCheck.check(host: "127.0.0.1", port: port)
            server = try await SimulatorServer.start(authority, port: port)
        } catch let error as ListenError {
            throw DemoError(.simulator, "\(error.message): stop the other process (a 'fiscal-connector simulator' serving this folder: Ctrl-C), or pick another port with --port")
        } catch {
            throw DemoError(.simulator, "\(error)")
        }
        do {
            try write("connector.toml", Array(configuration(url: server.url, license: license).utf8))
            let connector = try Connector(configuration: ConnectorConfiguration.load(path: folder + "/connector.toml"),
                                          environment: ["FISCAL_CERT_PASSWORD": password])
            let outcome = try await steps(connector, authority, folder: folder, port: port, today: today, log: log)
            await server.stop()
            return outcome
        } catch {
            await server.stop()
            throw error
        }
    }

    /// The demo's documents, each checked against what the demo narrates.
    static func steps(_ connector: Connector, _ simulator: TaxAuthoritySimulator, folder: String, port: Int, today: FiscalDate,
                      log: @escaping @Sendable (String) -> Void) async throws -> Outcome {
        let run = UUID().uuidString.prefix(8)
        var results: [(String, FiscalizationResult)] = []
        func step(_ title: String, _ result: FiscalizationResult, expect status: FiscalizationResult.Status) -> DemoError? {
            results.append((title, result))
            if result.status == status, status != .fiscalized || result.fic != nil { return nil }
            return DemoError(.step, "\(title): expected \(status.rawValue), got \(result.status.rawValue)\(result.error.map { ": \($0.message)" } ?? result.warnings.last.map { ": \($0)" } ?? ""). Start again in an empty folder (remove \(folder)).")
        }
        func outcome(_ failure: DemoError?) -> Outcome {
            Outcome(directory: folder, simulatorPort: port, results: results, failure: failure)
        }

        let hasDeposit = (try? await connector.journal.hasInitialDeposit(environment: "test", tcr: "si747we972", day: today.description)) == true
        log(hasDeposit ? "fiscalizing a cash sale (today's INITIAL deposit is already in the journal from an earlier run)"
                       : "fiscalizing a cash sale (the day's INITIAL deposit is registered first)")
        let cash = await connector.fiscalize(json: Data("""
            {"reference": "demo-\(run)-1", "invoice_type": "CASH", "items": [
              {"name": "Espresso", "code": "001", "unit": "kom", "quantity": 2, "unit_price": "1.50", "vat_rate": "21"},
              {"name": "Kroasan", "code": "002", "unit": "kom", "quantity": 1, "unit_price": "1.80", "vat_rate": "21"},
              {"name": "Novine", "code": "003", "unit": "kom", "quantity": 1, "unit_price": "1.00", "vat_rate": "7"}],
             "payments": [{"type": "BANKNOTE", "amount": "5.80"}]}
            """.utf8))
        if let failure = step("Cash sale, gross prices, two VAT rates", cash, expect: .fiscalized) { return outcome(failure) }

        log("fiscalizing a business invoice paid by bank transfer")
        let b2b = await connector.fiscalize(json: Data("""
            {"reference": "demo-\(run)-2", "invoice_type": "NONCASH", "prices_include_vat": false,
             "buyer": {"id_type": "TIN", "id": "02345678", "name": "Kupac DOO", "address": "Njegoševa 10", "town": "Nikšić", "country": "MNE"},
             "items": [{"name": "Konsultacije", "unit": "h", "quantity": "3.5", "unit_price": "40.00", "vat_rate": "21", "discount_percent": "10"},
                       {"name": "Usluga u inostranstvu", "unit": "kom", "quantity": 1, "unit_price": "100.00", "exemption": "VAT_CL17"}],
             "payments": [{"type": "ACCOUNT", "amount": "252.46"}], "pay_deadline": "\(today.adding(days: 15))", "bank_account": "510-123456789-12"}
            """.utf8))
        if let failure = step("Non-cash B2B invoice, net prices, rebate and exemption", b2b, expect: .fiscalized) { return outcome(failure) }

        log("correcting the cash sale: one espresso returned")
        let corrective = await connector.fiscalize(json: Data("""
            {"reference": "demo-\(run)-3", "invoice_type": "CASH", "kind": "CORRECTIVE",
             "corrects": {"iic": "\(cash.iic ?? "")", "issued_at": "\(cash.issuedAt ?? "")", "type": "CORRECTIVE"},
             "items": [{"name": "Espresso", "code": "001", "unit": "kom", "quantity": -1, "unit_price": "1.50", "vat_rate": "21"}],
             "payments": [{"type": "BANKNOTE", "amount": "-1.50"}]}
            """.utf8))
        if let failure = step("Corrective invoice (return of one item)", corrective, expect: .fiscalized) { return outcome(failure) }

        log("taking the tax authority offline and selling again: the invoice is issued offline")
        await simulator.setPersistentFailure(.down)
        let offline = await connector.fiscalize(json: Data("""
            {"reference": "demo-\(run)-4", "invoice_type": "CASH", "items": [
              {"name": "Sok", "unit": "kom", "quantity": 2, "unit_price": "2.20", "vat_rate": "21"}],
             "payments": [{"type": "CARD", "amount": "4.40"}]}
            """.utf8))
        if let failure = step("Cash sale while the tax authority is down (issued offline)", offline, expect: .deferred) { return outcome(failure) }

        log("bringing the tax authority back and delivering what is pending")
        await simulator.setPersistentFailure(nil)
        _ = try await connector.deliverPending(force: true)
        let delivered = try await connector.journal.entry(reference: "demo-\(run)-4").map { connector.result(for: $0) }
            ?? FiscalizationResult(status: .rejected, reference: "demo-\(run)-4", error: .init(code: .journal, message: "the offline invoice is missing from the journal"))
        var failure = step("The same invoice after delivery (same IIC, FIC now)", delivered, expect: .fiscalized)
        if failure == nil, delivered.iic != offline.iic {
            failure = DemoError(.step, "the offline invoice was delivered with IIC \(delivered.iic ?? "none") instead of \(offline.iic ?? "none")")
        }
        return outcome(failure)
    }

    /// Whether `folder` holds certificates of an earlier run that are good for another day.
    static func reusableMaterial(in folder: String) -> Bool {
        let tomorrow = Date().addingTimeInterval(86_400)
        guard let seal = try? SigningIdentity(contentsOf: folder + "/" + sealFile, password: password),
              let authority = try? SigningIdentity(contentsOf: folder + "/" + authorityFile, password: password),
              let ca = try? Certificate.all(contentsOf: folder + "/" + caFile).first,
              FileManager.default.fileExists(atPath: folder + "/" + authorityCertificateFile) else { return false }
        return [seal.certificate, authority.certificate, ca].allSatisfy { $0.notAfter > tomorrow }
    }

    /// The demo's `connector.toml`.
    static func configuration(url: String, license: String) -> String {
        """
        # Demo configuration written by 'fiscal-connector demo'. The certificate password is "\(password)".
        # The tax authority below is the simulator: start it with 'fiscal-connector simulator --data <this folder>'.
        [taxpayer]
        tin = "12345678"
        name = "Demo DOO"
        address = "Bulevar Svetog Petra Cetinjskog 1"
        town = "Podgorica"
        in_vat = true

        [device]
        business_unit = "xx123xx123"
        tcr_code = "si747we972"
        software_code = "ss123ss123"
        maintainer_code = "mm123mm123"
        operator_code = "oo123oo123"

        [certificate]
        file = "\(sealFile)"
        password_env = "FISCAL_CERT_PASSWORD"

        [tax_authority]
        environment = "test"
        url = "\(url)"
        response_certificates = ["\(authorityCertificateFile)"]
        timeout_seconds = 5

        [journal]
        path = "journal.sqlite"

        [cash]
        auto_initial_deposit = true
        initial_float = "50.00"

        [license]
        token = "\(license)"
        trusted_keys = ["license-authority.pub"]

        """
    }
}

/// Why the demo, or the simulator of a demo folder, did not go as narrated.
public struct DemoError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The folder lacks the simulator's certificates or its state is damaged.
        case material
        /// The simulator cannot listen on its port.
        case simulator
        /// A step's outcome differs from what the demo narrates.
        case step
    }

    /// Which reason.
    public let code: Code
    /// What went wrong and what to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
