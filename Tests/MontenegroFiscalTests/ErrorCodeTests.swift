import FiscalCore
import FiscalTesting
import Foundation
@testable import MontenegroFiscal
import Testing

/// The code of the `E` that `body` throws. Compiles only for types that adopt ``CodedError``.
private func thrownCode<E: CodedError>(_ type: E.Type, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> E.Code? {
    (#expect(throws: E.self, sourceLocation: sourceLocation) { try body() })?.code
}

@Suite struct ErrorCodeTests {
    @Test func schemaErrorsTellMalformedFromNonConforming() {
        #expect(thrownCode(SchemaError.self) { try SchemaValidator.shared.validate("<not-closed") } == .notWellFormed)
        let foreign = #"<RegisterInvoiceRequest xmlns="https://efi.tax.gov.me/fs/schema"><Nothing/></RegisterInvoiceRequest>"#
        let error = #expect(throws: SchemaError.self) { try SchemaValidator.shared.validate(foreign) }
        #expect(error?.code == .notConforming)
        #expect(error?.problems.isEmpty == false)
        #expect(error?.description.hasPrefix("the message does not conform to the EFI schema: ") == true)
        #expect(SchemaValidator.shared.problems(in: "<not-closed").first?.hasPrefix("not well-formed XML: ") == true)
    }

    @Test func xmlErrorsTellEmptyFromMalformed() {
        #expect(thrownCode(XMLError.self) { _ = try XMLDocument([]) } == .empty)
        let error = #expect(throws: XMLError.self) { _ = try XMLDocument(Array("<a><b></a>".utf8)) }
        #expect(error?.code == .notWellFormed)
        #expect(error?.message.isEmpty == false)
    }

    @Test func validationErrorsCarryTheFirstIssuesCode() {
        #expect(thrownCode(ValidationError.self) { _ = try IICInput(parsing: "12345678|x") } == .invalidFormat)
        let error = ValidationError([
            ValidationIssue(.totalMismatch, field: "total", "does not add up"),
            ValidationIssue(.required, field: "buyer.name", "is required"),
        ])
        #expect(error.code == .totalMismatch)
        #expect(error == ValidationError([ValidationIssue(.totalMismatch, field: "other", "other")]))
        #expect(error.message == "invalid message (2 problems): total: does not add up; buyer.name: is required")
        #expect(error.description == error.message)
    }
}
