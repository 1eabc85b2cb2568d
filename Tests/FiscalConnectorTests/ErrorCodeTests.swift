import EFISimulator
import FiscalCore
import FiscalTesting
import Foundation
@testable import FiscalConnector
import MontenegroFiscal
import Testing

/// The code of the `E` that `body` throws. Compiles only for types that adopt ``CodedError``.
private func thrownCode<E: CodedError>(_ type: E.Type, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> E.Code? {
    (#expect(throws: E.self, sourceLocation: sourceLocation) { try body() })?.code
}

@Suite struct ErrorCodeTests {
    @Test func qrTextTooLongOrEmptyHasItsCode() {
        let long = String(repeating: "a", count: 3000)
        let error = #expect(throws: QRCodeError.self) { _ = try QRCode(long) }
        #expect(error?.code == .tooLong)
        #expect(error?.byteCount == 3000)
        #expect(error?.message == "the text cannot be encoded as a QR code (3000 bytes)")
        #expect(thrownCode(QRCodeError.self) { _ = try QRCode("") } == .empty)
    }

    @Test(arguments: [
        ("tin = \"12345678\"", "tin = \"1234\"", ConfigurationError.Code.invalidValue),
        ("environment = \"test\"", "environment = \"staging\"", .invalidValue),
        ("name = \"Test DOO\"", "name = \"Test DOO\"\nin_vat = \"yes\"", .wrongType),
        ("file = \"seal.p12\"", "file = \"seal.p12\"\npasword_env = \"X\"", .unknownKey),
        ("operator_code = \"oo123oo123\"\n", "", .required),
        ("file = \"seal.p12\"", "file = \"seal.p12\"\npassword_env = \"X\"\npassword_file = \"p\"", .conflicting),
        ("[license]", "[api]\nlisten = \"0.0.0.0:8745\"\n[license]", .unsafe),
        ("[license]", "broken\n[license]", .syntax),
    ])
    func badConfigurationHasItsCode(_ original: String, _ replacement: String, _ code: ConfigurationError.Code) {
        let text = ConfigurationTests.minimal.replacingOccurrences(of: original, with: replacement)
        #expect(thrownCode(ConfigurationError.self) { _ = try ConnectorConfiguration.parse(text, baseDirectory: "/etc/fiscal") } == code, "\(replacement)")
    }

    @Test func unreadableConfigurationIsUnreadable() {
        #expect(thrownCode(ConfigurationError.self) { _ = try ConnectorConfiguration.load(path: "/nonexistent/connector.toml") } == .unreadable)
    }

    @Test func textKeysThatNameNoFieldHaveTheirCode() {
        #expect(thrownCode(TextInput.TextKeyError.self) { _ = try TextInput.path("Itme.0.Name") } == .unknownField)
        #expect(thrownCode(TextInput.TextKeyError.self) { _ = try TextInput.path("") } == .invalidFormat)
        let error = #expect(throws: ValidationError.self) { try InvoiceInput.parse(Data("Itme.0.Name;x".utf8), format: .text) }
        #expect(error?.code == .unknownField)
    }

    @Test func simulatorFailuresHaveTheirCodeAndSource() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simulator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let damaged = directory.appendingPathComponent("state.json").path
        try Data("not json".utf8).write(to: URL(fileURLWithPath: damaged))
        let error = #expect(throws: SimulatorError.self) { _ = try TaxAuthoritySimulator.State.load(from: damaged) }
        #expect(error?.code == .stateDamaged)
        #expect(error?.source == damaged)
        #expect(thrownCode(SimulatorError.self) { _ = try TaxAuthoritySimulator.State.load(from: directory.path) } == .stateUnreadable)

        let simulator = TaxAuthoritySimulator(identity: TestMaterial.taxAuthority, trusted: [TestMaterial.rootCA])
        let first = try await SimulatorServer.start(simulator)
        defer { Task { await first.stop() } }
        do {
            let second = try await SimulatorServer.start(simulator, port: first.port)
            await second.stop()
            Issue.record("a second server started on a taken port")
        } catch let error as SimulatorError {
            #expect(error.code == .cannotListen)
            #expect(error.source == "127.0.0.1:\(first.port)")
        }
    }
}
