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
            throw SchemaError(problems: [errors.text.map { String(cString: $0) } ?? "schema could not be compiled"])
        }
        schema = compiled
    }

    deinit { xmlSchemaFree(schema) }

    /// The schema violations of a message (a request or response element, or a whole document whose
    /// root is one); empty when it is valid.
    public func problems(in xml: String) -> [String] {
        let document: XMLDocument
        do {
            document = try XMLDocument(Array(xml.utf8))
        } catch {
            return ["not well-formed XML: \(error.message)"]
        }
        return problems(in: document)
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
        let found = problems(in: xml)
        if !found.isEmpty { throw SchemaError(problems: found) }
    }
}

/// A message that does not conform to the official schema.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// libxml2's messages, one per violation, with line numbers.
    public let problems: [String]

    public var description: String {
        "the message does not conform to the EFI schema: " + problems.joined(separator: "; ")
    }
}
