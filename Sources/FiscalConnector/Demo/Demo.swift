import EFISimulator
import FiscalCore
import Foundation
import MontenegroFiscal

/// `fiscal-connector demo`: a complete run against the embedded simulated tax authority, with a
/// freshly minted demo certificate and license, leaving a working configuration behind.
public enum Demo {
    /// What the demo did.
    public struct Outcome: Sendable {
        /// The folder with configuration, certificates and journal.
        public let directory: String
        /// Each sample document and its result.
        public let results: [(title: String, result: FiscalizationResult)]
    }

    /// The demo certificate password (the demo folder is not a production set-up).
    public static let password = "demo1234"

    /// Runs the demo in `directory` (created if missing); `log` receives progress lines.
    public static func run(directory: String, log: @escaping @Sendable (String) -> Void) async throws -> Outcome {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.path
        func write(_ name: String, _ data: some DataProtocol) throws {
            try Data(data).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        log("minting a demo CA, a taxpayer seal (TIN 12345678) and the simulated tax authority's certificate")
        let ca = try CertificateFactory.mint(.init(organization: "Fiscal Demo", commonName: "Fiscal Demo CA"), isCA: true, days: 3650, password: password)
        let seal = try CertificateFactory.mint(.init(organization: "Demo DOO", organizationIdentifier: "VATME-12345678", commonName: "Demo DOO Pecat"),
                                               issuer: ca, password: password)
        let authority = try CertificateFactory.mint(.init(organization: "Uprava prihoda i carina (demo)", organizationIdentifier: "VATME-\(EFIEnvironment.taxAuthorityTIN)", commonName: "Fiscal Demo Service"),
                                                    issuer: ca, password: password)
        try write("demo-seal.p12", seal.pkcs12)
        try write("demo-ca.pem", Array(ca.certificate.pem.utf8))
        try write("tax-authority.pem", Array(authority.certificate.pem.utf8))

        log("issuing a demo license for device si747we972 (test environment)")
        let licenseKey = Ed25519.PrivateKey.generate()
        try write("license-authority.pub", Array(licenseKey.publicKey.pem.utf8))
        let today = FiscalDate(Date())
        let license = try License(keyID: licenseKey.publicKey.keyID, tin: "12345678", businessUnit: "xx123xx123", device: "si747we972",
                                  environments: ["test"], issued: today, expires: today.adding(days: 365)).token(signedWith: licenseKey)

        log("starting the simulated tax authority on 127.0.0.1")
        let simulator = TaxAuthoritySimulator(identity: authority.identity, trusted: [ca.certificate])
        let server = try await SimulatorServer.start(simulator)
        defer { Task { await server.stop() } }
        let configuration = """
            # Demo configuration written by 'fiscal-connector demo'. The certificate password is "\(password)".
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
            file = "demo-seal.p12"
            password_env = "FISCAL_CERT_PASSWORD"

            [tax_authority]
            environment = "test"
            url = "\(server.url)"
            response_certificates = ["tax-authority.pem"]
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
        try write("connector.toml", Array(configuration.utf8))
        let connector = try Connector(configuration: ConnectorConfiguration.load(path: folder + "/connector.toml"),
                                      environment: ["FISCAL_CERT_PASSWORD": password])
        let run = UUID().uuidString.prefix(8)
        var results: [(String, FiscalizationResult)] = []

        log("fiscalizing a cash sale (the day's INITIAL deposit is registered first)")
        let cash = await connector.fiscalize(json: Data("""
            {"reference": "demo-\(run)-1", "invoice_type": "CASH", "items": [
              {"name": "Espresso", "code": "001", "unit": "kom", "quantity": 2, "unit_price": "1.50", "vat_rate": "21"},
              {"name": "Kroasan", "code": "002", "unit": "kom", "quantity": 1, "unit_price": "1.80", "vat_rate": "21"},
              {"name": "Novine", "code": "003", "unit": "kom", "quantity": 1, "unit_price": "1.00", "vat_rate": "7"}],
             "payments": [{"type": "BANKNOTE", "amount": "5.80"}]}
            """.utf8))
        results.append(("Cash sale, gross prices, two VAT rates", cash))

        log("fiscalizing a business invoice paid by bank transfer")
        results.append(("Non-cash B2B invoice, net prices, rebate and exemption", await connector.fiscalize(json: Data("""
            {"reference": "demo-\(run)-2", "invoice_type": "NONCASH", "prices_include_vat": false,
             "buyer": {"id_type": "TIN", "id": "02345678", "name": "Kupac DOO", "address": "Njegoševa 10", "town": "Nikšić", "country": "MNE"},
             "items": [{"name": "Konsultacije", "unit": "h", "quantity": "3.5", "unit_price": "40.00", "vat_rate": "21", "discount_percent": "10"},
                       {"name": "Usluga u inostranstvu", "unit": "kom", "quantity": 1, "unit_price": "100.00", "exemption": "VAT_CL17"}],
             "payments": [{"type": "ACCOUNT", "amount": "252.46"}], "pay_deadline": "\(today.adding(days: 15))", "bank_account": "510-123456789-12"}
            """.utf8))))

        if let iic = cash.iic, let issuedAt = cash.issuedAt {
            log("correcting the cash sale: one espresso returned")
            results.append(("Corrective invoice (return of one item)", await connector.fiscalize(json: Data("""
                {"reference": "demo-\(run)-3", "invoice_type": "CASH", "kind": "CORRECTIVE",
                 "corrects": {"iic": "\(iic)", "issued_at": "\(issuedAt)", "type": "CORRECTIVE"},
                 "items": [{"name": "Espresso", "code": "001", "unit": "kom", "quantity": -1, "unit_price": "1.50", "vat_rate": "21"}],
                 "payments": [{"type": "BANKNOTE", "amount": "-1.50"}]}
                """.utf8))))
        }

        log("taking the tax authority offline and selling again: the invoice is issued offline")
        await simulator.setPersistentFailure(.down)
        let offline = await connector.fiscalize(json: Data("""
            {"reference": "demo-\(run)-4", "invoice_type": "CASH", "items": [
              {"name": "Sok", "unit": "kom", "quantity": 2, "unit_price": "2.20", "vat_rate": "21"}],
             "payments": [{"type": "CARD", "amount": "4.40"}]}
            """.utf8))
        results.append(("Cash sale while the tax authority is down (issued offline)", offline))
        log("bringing the tax authority back and delivering what is pending")
        await simulator.setPersistentFailure(nil)
        _ = try await connector.deliverPending(force: true)
        if let entry = try await connector.journal.entry(reference: "demo-\(run)-4") {
            results.append(("The same invoice after delivery (same IIC, FIC now)", connector.result(for: entry)))
        }
        return Outcome(directory: folder, results: results)
    }
}
