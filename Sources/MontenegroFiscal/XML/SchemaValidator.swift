public import FiscalCore
import CLibXML2

/// Checks messages against the official EFI schema (embedded, no files or network needed).
public final class SchemaValidator: @unchecked Sendable {
    // The compiled schema is read-only after init; libxml2 allows concurrent validation with one
    // xmlSchema and a validation context per call.
    private let schema: xmlSchemaPtr

    /// The validator for the served EFI schema, compiled once per process.
    public static let shared: SchemaValidator = {
        do {
            return try SchemaValidator(schema: EmbeddedSchema.efi, importedXMLDSig: EmbeddedSchema.xmldsig)
        } catch {
            preconditionFailure("the embedded EFI schema does not compile: \(error)")
        }
    }()

    init(schema text: String, importedXMLDSig dsig: String) throws(SchemaError) {
        XMLDocument.initialize
        var errors = shim_errors()
        defer { shim_errors_free(&errors) }
        let bytes = Array(text.utf8)
        let compiled = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                shim_schema_from_memory($0, Int32(buffer.count), dsig, &errors)
            }
        }
        guard let compiled else {
            throw SchemaError(.schemaNotCompiled, problems: [errors.text.map { String(cString: $0) } ?? "schema could not be compiled"])
        }
        schema = compiled
    }

    deinit { xmlSchemaFree(schema) }

    /// The schema violations of a message (a request or response element, or a whole document whose
    /// root is one); empty when it is valid.
    public func problems(in xml: String) -> [String] {
        check(xml)?.problems ?? []
    }

    func problems(in document: XMLDocument) -> [String] {
        var errors = shim_errors()
        defer { shim_errors_free(&errors) }
        let rc = shim_schema_validate(schema, document.doc, &errors)
        if rc == 0 { return [] }
        let text = errors.text.map { String(cString: $0) } ?? "schema validation failed (code \(rc))"
        return text.split(separator: "\n").map(String.init)
    }

    /// Throws ``SchemaError`` listing the violations of `xml`.
    public func validate(_ xml: String) throws(SchemaError) {
        if let error = check(xml) { throw error }
    }

    /// The error `xml` earns, telling malformed XML from a schema violation; nil when it is valid.
    private func check(_ xml: String) -> SchemaError? {
        let document: XMLDocument
        do {
            document = try XMLDocument(Array(xml.utf8))
        } catch {
            return SchemaError(.notWellFormed, problems: ["not well-formed XML: \(error.message)"])
        }
        let found = problems(in: document)
        return found.isEmpty ? nil : SchemaError(.notConforming, problems: found)
    }
}

/// A message that does not conform to the official schema.
public struct SchemaError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The text is not XML at all (libxml2 could not parse it).
        case notWellFormed
        /// Well-formed XML that violates the EFI schema.
        case notConforming
        /// The schema itself does not compile (a broken build, not a broken message).
        case schemaNotCompiled
    }

    /// What went wrong.
    public let code: Code
    /// libxml2's messages, one per violation, each with the line of the message it came from.
    public let problems: [String]

    /// Creates an error.
    public init(_ code: Code, problems: [String]) {
        self.code = code
        self.problems = problems
    }

    /// Every violation, as libxml2 reported it.
    public var message: String {
        "the message does not conform to the EFI schema: " + problems.joined(separator: "; ")
    }
}
