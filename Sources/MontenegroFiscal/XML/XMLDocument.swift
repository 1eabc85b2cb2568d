import FiscalCore
import CLibXML2

/// A parsed XML document (libxml2), for reading responses, verifying signatures and schema checks.
///
/// Not Sendable: a libxml2 tree belongs to one task. Parsing never touches the network and never
/// expands external entities.
final class XMLDocument {
    let doc: xmlDocPtr

    /// Parses UTF-8 bytes; throws with libxml2's messages for malformed input.
    init(_ bytes: [UInt8]) throws(XMLError) {
        XMLDocument.initialize
        var errors = shim_errors()
        defer { shim_errors_free(&errors) }
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { shim_parse($0, Int32(buffer.count), &errors) }
            } ?? nil
        }
        guard let parsed else {
            throw XMLError(bytes.isEmpty ? .empty : .notWellFormed, message: errors.text.map { String(cString: $0) }?.trimmingTrailingNewlines ?? "empty document")
        }
        doc = parsed
    }

    deinit { xmlFreeDoc(doc) }

    /// libxml2 must be initialised once before use from several threads.
    static let initialize: Void = { xmlInitParser() }()

    var root: xmlNodePtr? { xmlDocGetRootElement(doc) }

    /// Exclusive canonical form (no comments) of `node` without the subtree `excluding`.
    func canonical(_ node: xmlNodePtr, excluding: xmlNodePtr? = nil) -> [UInt8]? {
        var out: UnsafeMutablePointer<xmlChar>?
        let length = shim_c14n_subtree(doc, node, excluding, Int32(XML_C14N_EXCLUSIVE_1_0.rawValue), 0, &out)
        guard length >= 0, let out else { return nil }
        defer { shim_xmlFree(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// A document libxml2 could not parse.
struct XMLError: CodedError {
    /// The closed set of reasons.
    enum Code: String, Sendable {
        /// No bytes at all.
        case empty
        /// Bytes that are not well-formed XML; the message holds libxml2's line and column.
        case notWellFormed
    }

    /// What went wrong.
    let code: Code
    /// libxml2's messages, with the line and column in the document.
    let message: String

    init(_ code: Code, message: String) {
        self.code = code
        self.message = message
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}

/// Navigation helpers over libxml2 nodes, by local name and namespace.
extension UnsafeMutablePointer where Pointee == xmlNode {
    var localName: String { String(cString: pointee.name) }

    var namespaceURI: String? { pointee.ns.flatMap { $0.pointee.href.map { String(cString: $0) } } }

    /// Element children, in order.
    var elementChildren: [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    /// The first element child with this local name (any namespace).
    func child(_ name: String) -> xmlNodePtr? { elementChildren.first { $0.localName == name } }

    /// The value of an attribute without namespace.
    func attribute(_ name: String) -> String? {
        guard let value = xmlGetNoNsProp(self, name) else { return nil }
        defer { shim_xmlFree(value) }
        return String(cString: value)
    }

    /// The text content.
    var text: String {
        guard let content = xmlNodeGetContent(self) else { return "" }
        defer { shim_xmlFree(content) }
        return String(cString: content)
    }
}
