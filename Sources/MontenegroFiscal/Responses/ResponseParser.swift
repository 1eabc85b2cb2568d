import CLibXML2

public import FiscalCore

/// Reads the service's answers by local name, whatever the prefixes.
public enum ResponseParser {
    /// Parses a SOAP envelope or a bare response element.
    public static func parse(_ bytes: [UInt8]) throws(ResponseError) -> EFIResponse {
        try parse(document(bytes))
    }

    /// Parses an answer and checks its signature in one pass (faults are not signed: their check
    /// is nil).
    public static func parse(_ bytes: [UInt8], verifyingWith trusted: [Certificate]) throws(ResponseError) -> (response: EFIResponse, signature: SignatureCheck?) {
        let document = try document(bytes)
        let response = try parse(document)
        if case .fault = response { return (response, nil) }
        guard let element = SignatureVerifier.signedElement(document) else { return (response, nil) }
        return (response, SignatureVerifier.verify(element: element, in: document, trusting: trusted, at: nil))
    }

    private static func document(_ bytes: [UInt8]) throws(ResponseError) -> XMLDocument {
        do {
            return try XMLDocument(bytes)
        } catch {
            throw ResponseError(.malformed, "the answer is not well-formed XML: \(error.message)")
        }
    }

    static func parse(_ document: XMLDocument) throws(ResponseError) -> EFIResponse {
        guard let element = SignatureVerifier.signedElement(document) else {
            throw ResponseError(.malformed, "the answer is empty or its SOAP Body holds no element")
        }
        switch element.localName {
        case "Fault":
            let detail = element.child("detail")
            return .fault(EFIFault(
                faultCode: element.child("faultcode")?.text.trimmed ?? "",
                message: element.child("faultstring")?.text.trimmed ?? "",
                code: detail?.child("code").flatMap { Int($0.text.trimmed) },
                requestUUID: detail?.child("requestUUID")?.text.trimmed,
                responseUUID: detail?.child("responseUUID")?.text.trimmed
            ))
        case MessageKind.registerInvoice.responseElement:
            return .invoice(header: try header(element), fic: try value(element, "FIC"))
        case MessageKind.registerTCR.responseElement:
            return .tcr(header: try header(element), tcrCode: try value(element, "TCRCode"))
        case MessageKind.registerCashDeposit.responseElement:
            return .cashDeposit(header: try header(element), fcdc: try value(element, "FCDC"))
        default:
            throw ResponseError(.unexpectedElement, "unexpected answer element \(element.localName)")
        }
    }

    /// Parses a response given as text.
    public static func parse(_ text: String) throws(ResponseError) -> EFIResponse {
        try parse(Array(text.utf8))
    }

    private static func header(_ element: UnsafeMutablePointer<xmlNode>) throws(ResponseError) -> ResponseHeader {
        guard let header = element.child("Header"), let uuid = header.attribute("UUID"),
              let requestUUID = header.attribute("RequestUUID"), let sentAt = header.attribute("SendDateTime") else {
            throw ResponseError(.missingField, "\(element.localName) has no complete Header (UUID, RequestUUID, SendDateTime)")
        }
        return ResponseHeader(uuid: uuid, requestUUID: requestUUID, sentAt: sentAt)
    }

    private static func value(_ element: UnsafeMutablePointer<xmlNode>, _ name: String) throws(ResponseError) -> String {
        guard let text = element.child(name)?.text.trimmed, !text.isEmpty else {
            throw ResponseError(.missingField, "\(element.localName) has no \(name)")
        }
        return text
    }
}

/// An answer that could not be read.
public struct ResponseError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// Not XML, or empty.
        case malformed
        /// An element that is neither a known response nor a fault.
        case unexpectedElement
        /// A mandatory part is missing.
        case missingField
    }

    /// What went wrong.
    public let code: Code
    /// Details.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }


}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
