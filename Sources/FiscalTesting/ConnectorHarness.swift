public import EFISimulator
public import FiscalConnector
public import FiscalCore
public import Foundation

/// A connector wired to a simulated tax authority over real HTTP on 127.0.0.1, in a fresh folder
/// with its own configuration, license and journal.
public final class ConnectorHarness: @unchecked Sendable {
    /// The folder holding configuration, license key and journal.
    public let directory: String
    /// The simulated tax authority's HTTP server.
    public let server: SimulatorServer
    /// The license authority key that signed this harness's license.
    public let licenseKey: Ed25519.PrivateKey
    /// The environment passed to the connector (certificate password).
    public let environment: [String: String] = ["FISCAL_CERT_PASSWORD": TestMaterial.password, "FISCAL_API_TOKEN": "test-token"]

    /// The simulator.
    public var simulator: TaxAuthoritySimulator { server.simulator }

    private init(directory: String, server: SimulatorServer, licenseKey: Ed25519.PrivateKey) {
        self.directory = directory
        self.server = server
        self.licenseKey = licenseKey
    }

    /// Starts a simulator and prepares a folder.
    public static func start(requireInitialDeposit: Bool = true) async throws -> ConnectorHarness {
        let directory = NSTemporaryDirectory() + "fiscal-harness-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let simulator = TaxAuthoritySimulator(identity: TestMaterial.taxAuthority, trusted: [TestMaterial.rootCA], requireInitialDeposit: requireInitialDeposit)
        let server = try await SimulatorServer.start(simulator)
        let key = Ed25519.PrivateKey.generate()
        try key.publicKey.pem.write(toFile: directory + "/license-authority.pub", atomically: true, encoding: .utf8)
        return ConnectorHarness(directory: directory, server: server, licenseKey: key)
    }

    /// Stops the simulator and removes the folder.
    public func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A license token for the test device.
    public func license(environments: [String] = ["test"], device: String = "si747we972", tin: String = "12345678",
                        issued: FiscalDate = FiscalDate(year: 2019, month: 1, day: 1)!,
                        expires: FiscalDate = FiscalDate(year: 2099, month: 12, day: 31)!) -> String {
        let license = License(keyID: licenseKey.publicKey.keyID, tin: tin, businessUnit: "xx123xx123", device: device,
                              environments: environments, issued: issued, expires: expires)
        return (try? license.token(signedWith: licenseKey)) ?? ""
    }

    /// The configuration text; `overrides` replace or add `table.key = value` lines.
    public func configuration(url: String? = nil, certificate: String = "taxpayer-modern.p12", license: String? = nil,
                              extra: String = "", timeout: Double = 10) -> String {
        """
        [taxpayer]
        tin = "12345678"
        name = "Test DOO"
        address = "Ulica 1"
        town = "Podgorica"
        in_vat = true

        [device]
        business_unit = "xx123xx123"
        tcr_code = "si747we972"
        software_code = "ss123ss123"
        maintainer_code = "mm123mm123"
        operator_code = "oo123oo123"

        [certificate]
        file = "\(TestMaterial.certificate(certificate))"
        password_env = "FISCAL_CERT_PASSWORD"

        [tax_authority]
        environment = "test"
        url = "\(url ?? server.url)"
        response_certificates = ["\(TestMaterial.certificate("tax-authority.pem"))"]
        timeout_seconds = \(timeout)

        [journal]
        path = "journal.sqlite"

        [api]
        listen = "127.0.0.1:0"
        token_env = "FISCAL_API_TOKEN"

        [license]
        token = "\(license ?? self.license())"
        trusted_keys = ["license-authority.pub"]
        \(extra)
        """
    }

    /// Writes the configuration to `connector.toml` and returns its path.
    @discardableResult
    public func writeConfiguration(_ text: String? = nil) throws -> String {
        let path = directory + "/connector.toml"
        try (text ?? configuration()).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A connector on the written (or default) configuration.
    public func connector(_ text: String? = nil, clock: @escaping @Sendable () -> Date = { Date() }) throws -> Connector {
        let path = try writeConfiguration(text)
        return try Connector(configuration: ConnectorConfiguration.load(path: path), environment: environment, clock: clock)
    }

    /// A JSON invoice request; `cash` pays in banknotes, else by bank transfer.
    public static func invoiceJSON(reference: String, cash: Bool = true, amount: String = "3.00", issuedAt: String? = nil, extra: String = "") -> Data {
        let payment = cash ? "BANKNOTE" : "ACCOUNT"
        let time = issuedAt.map { "\"issued_at\": \"\($0)\"," } ?? ""
        return Data("""
        {"reference": "\(reference)", "invoice_type": "\(cash ? "CASH" : "NONCASH")", \(time)
         "items": [{"name": "Espresso", "code": "001", "unit": "kom", "quantity": 2, "unit_price": "\(halve(amount))", "vat_rate": "21"}],
         "payments": [{"type": "\(payment)", "amount": "\(amount)"}] \(extra)}
        """.utf8)
    }

    static func halve(_ amount: String) -> String {
        guard let value = ExactDecimal(amount) else { return amount }
        return value.divided(by: ExactDecimal(2), decimals: 4).description
    }
}
