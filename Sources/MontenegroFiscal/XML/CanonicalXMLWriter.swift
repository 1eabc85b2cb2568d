/// Writes XML directly in exclusive-canonical form (W3C exc-c14n): attributes sorted, empty
/// elements as start and end tag, the canonical escapes, no whitespace between elements.
///
/// Messages written this way are their own canonical form, so the enveloped signature's digest is
/// computed over exactly these bytes without a parse-and-canonicalize round trip. Tests check the
/// output against libxml2's canonicalizer and xmlsec1.
struct CanonicalXMLWriter {
    private(set) var text = ""

    init(capacity: Int = 4096) {
        text.reserveCapacity(capacity)
    }

    /// Opens an element; `attributes` with nil values are left out; the rest are sorted.
    mutating func open(_ name: String, namespace: String? = nil, _ attributes: [(String, String?)] = []) {
        text += "<"
        text += name
        if let namespace {
            text += " xmlns=\""
            appendAttributeValue(namespace)
            text += "\""
        }
        let present = attributes.compactMap { pair in pair.1.map { (pair.0, $0) } }
        for (key, value) in present.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
            text += " "
            text += key
            text += "=\""
            appendAttributeValue(value)
            text += "\""
        }
        text += ">"
    }

    mutating func close(_ name: String) {
        text += "</"
        text += name
        text += ">"
    }

    /// An element without content.
    mutating func element(_ name: String, namespace: String? = nil, _ attributes: [(String, String?)]) {
        open(name, namespace: namespace, attributes)
        close(name)
    }

    /// An element holding only text.
    mutating func element(_ name: String, text content: String) {
        open(name)
        appendText(content)
        close(name)
    }

    /// Appends already-canonical markup.
    mutating func raw(_ markup: String) {
        text += markup
    }

    private mutating func appendAttributeValue(_ value: String) {
        guard value.utf8.contains(where: { $0 == 38 || $0 == 60 || $0 == 34 || $0 == 9 || $0 == 10 || $0 == 13 }) else {
            text += value
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": text += "&amp;"
            case "<": text += "&lt;"
            case "\"": text += "&quot;"
            case "\t": text += "&#x9;"
            case "\n": text += "&#xA;"
            case "\r": text += "&#xD;"
            default: text.unicodeScalars.append(scalar)
            }
        }
    }

    private mutating func appendText(_ value: String) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": text += "&amp;"
            case "<": text += "&lt;"
            case ">": text += "&gt;"
            case "\r": text += "&#xD;"
            default: text.unicodeScalars.append(scalar)
            }
        }
    }
}
