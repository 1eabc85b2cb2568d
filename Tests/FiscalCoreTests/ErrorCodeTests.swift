import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// The code of the `E` that `body` throws. Compiles only for types that adopt ``CodedError``, so a
/// type that loses its code breaks this file.
func thrownCode<E: CodedError>(_ type: E.Type, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> E.Code? {
    (#expect(throws: E.self, sourceLocation: sourceLocation) { try body() })?.code
}

@Suite struct ErrorCodeTests {
    @Test(arguments: [
        ("a = 1 b = 2", TOMLError.Code.unexpectedText),
        ("a = [1, 2", .unclosed),
        ("[t\nx = 1", .unclosed),
        ("a = \"open", .unclosed),
        ("a = \"C:\\path\"", .invalidEscape),
        ("a = yes", .invalidValue),
        ("a =", .invalidValue),
        ("a b = 1", .unexpectedText),
        ("= 1", .invalidKey),
        ("a = 1\na = 2", .duplicate),
        ("[t]\n[t]", .duplicate),
        ("a = 1\n[a]", .notATable),
    ])
    func malformedTOMLHasItsCode(_ text: String, _ code: TOMLError.Code) {
        #expect(thrownCode(TOMLError.self) { _ = try TOMLDocument(parsing: text) } == code, "\(text)")
    }

    @Test func tomlErrorsAreEqualByCodeAndKeepTheirLine() {
        let error = #expect(throws: TOMLError.self) { try TOMLDocument(parsing: "a = 1\n\nb = [1") }
        #expect(error?.line == 3)
        #expect(error == TOMLError(.unclosed, line: 1, message: "another text"))
        #expect(error?.description == "line 3: \(error?.message ?? "")")
    }

    @Test func badCertificateFilesHaveTheirCodeAndSource() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("error-codes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("seal.p12").path
        try Data("this is not a certificate".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect(thrownCode(CertificateError.self) { _ = try SigningIdentity(contentsOf: garbage, password: "x") } == .malformed)
        let missing = directory.appendingPathComponent("absent.p12").path
        let error = #expect(throws: CertificateError.self) { try SigningIdentity(contentsOf: missing, password: "x") }
        #expect(error?.code == .unreadable)
        #expect(error?.source == missing)
        #expect(error?.description.hasPrefix(missing + ": ") == true)
    }
}
