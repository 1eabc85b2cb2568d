import FiscalCore

/// Writes XML directly in exclusive-canonical form (W3C exc-c14n): attributes in canonical
/// order, empty elements as start and end tag, the canonical escapes, no whitespace between
/// elements.
///
/// Messages written this way are their own canonical form, so the enveloped signature's digest is
/// computed over exactly these bytes without a parse-and-canonicalize round trip. Callers write
/// attributes in canonical order (by name, code point order); debug builds check it. Tests
/// compare the output with libxml2's canonicalizer and xmlsec1. Writes UTF-8 bytes.
struct CanonicalXMLWriter {
    private(set) var bytes: [UInt8] = []
    #if DEBUG
    private var lastAttribute = ""
    #endif

    init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// The document written so far, as text.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Starts an element's start tag; follow with ``attribute(_:_:)`` calls and ``endStartTag()``.
    mutating func startTag(_ name: StaticString, namespace: StaticString? = nil) {
        bytes.append(60) // <
        append(name)
        if let namespace {
            append(" xmlns=\"")
            append(namespace)
            bytes.append(34)
        }
        #if DEBUG
        lastAttribute = ""
        #endif
    }

    private mutating func attributeName(_ name: StaticString) {
        #if DEBUG
        let text = name.description
        precondition(lastAttribute.isEmpty || lastAttribute.utf8.lexicographicallyPrecedes(text.utf8), "attribute \(text) after \(lastAttribute) breaks canonical order")
        lastAttribute = text
        #endif
        bytes.append(32)
        append(name)
        bytes.append(61) // =
        bytes.append(34) // "
    }

    /// Writes an attribute; nil writes nothing.
    mutating func attribute(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        attributeName(name)
        appendAttributeValue(value)
        bytes.append(34)
    }

    /// Writes a decimal attribute with exactly `places` decimals; nil writes nothing.
    mutating func attribute(_ name: StaticString, _ value: ExactDecimal?, places: Int) {
        guard let value else { return }
        attributeName(name)
        value.appendFormatted(places, to: &bytes)
        bytes.append(34)
    }

    mutating func endStartTag() {
        bytes.append(62) // >
    }

    mutating func close(_ name: StaticString) {
        bytes.append(60)
        bytes.append(47)
        append(name)
        bytes.append(62)
    }

    /// An element without attributes, its content to follow.
    mutating func open(_ name: StaticString) {
        startTag(name)
        endStartTag()
    }

    /// Text content, escaped as exclusive C14N writes it.
    mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case 38: append("&amp;")
                case 60: append("&lt;")
                case 62: append("&gt;")
                case 13: append("&#xD;")
                default: bytes.append(byte)
                }
            }
        }
    }

    private mutating func appendAttributeValue(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case 38: append("&amp;")
                case 60: append("&lt;")
                case 34: append("&quot;")
                case 9: append("&#x9;")
                case 10: append("&#xA;")
                case 13: append("&#xD;")
                default: bytes.append(byte)
                }
            }
        }
    }
}
