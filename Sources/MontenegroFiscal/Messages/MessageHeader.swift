public import FiscalCore

/// The `Header` of a request: a fresh message UUID, the send time, and for late deliveries the reason.
public struct MessageHeader: Sendable, Hashable {
    /// RFC 4122 version-4 UUID, new for every message, also for a re-send.
    public let uuid: String
    /// When the message is sent (not when the invoice was issued).
    public let sentAt: FiscalTimestamp
    /// Set when the message is delivered after the invoice was issued.
    public let subsequentDelivery: SubsequentDeliveryType?

    /// Creates a header with a new random UUID.
    public init(sentAt: FiscalTimestamp, subsequentDelivery: SubsequentDeliveryType? = nil) {
        self.init(uuid: Self.randomUUID(), sentAt: sentAt, subsequentDelivery: subsequentDelivery)
    }

    /// Creates a header with a given UUID (tests, replays).
    public init(uuid: String, sentAt: FiscalTimestamp, subsequentDelivery: SubsequentDeliveryType? = nil) {
        self.uuid = uuid
        self.sentAt = sentAt
        self.subsequentDelivery = subsequentDelivery
    }

    /// A random RFC 4122 version-4 UUID, lowercase.
    static func randomUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next(), low = generator.next()
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: high >> ($0 * 8)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> ($0 * 8)) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(45) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    func write(_ w: inout CanonicalXMLWriter, allowsSubsequentDelivery: Bool = true) {
        w.startTag("Header")
        w.attribute("SendDateTime", sentAt.text)
        w.attribute("SubseqDelivType", allowsSubsequentDelivery ? subsequentDelivery?.rawValue : nil)
        w.attribute("UUID", uuid)
        w.endStartTag()
        w.close("Header")
    }
}

/// Which of the three operations a message belongs to.
public enum MessageKind: String, Sendable, Hashable, CaseIterable {
    /// `registerInvoice`.
    case registerInvoice = "RegisterInvoice"
    /// `registerTCR`.
    case registerTCR = "RegisterTCR"
    /// `registerCashDeposit`.
    case registerCashDeposit = "RegisterCashDeposit"

    /// The request's root element name.
    public var requestElement: String { rawValue + "Request" }
    /// The response's root element name.
    public var responseElement: String { rawValue + "Response" }
    /// The `SOAPAction` header value.
    public var soapAction: String { "https://efi.tax.gov.me/fs/\(rawValue)" }
}

/// A signed request, compact and never to be reformatted.
public struct SignedMessage: Sendable, Hashable {
    /// The operation.
    public let kind: MessageKind
    /// The header it carries.
    public let header: MessageHeader
    /// The signed request element (no XML declaration): the bytes to journal and to export.
    public let xml: String

    /// Wraps an already signed request (e.g. one read back from the journal).
    public init(kind: MessageKind, header: MessageHeader, xml: String) {
        self.kind = kind
        self.header = header
        self.xml = xml
    }

    /// The EFI message namespace.
    public static let namespace = "https://efi.tax.gov.me/fs/schema"

    /// The request as a standalone XML document (the offline-delivery file form).
    public var document: String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + xml }

    /// The request in a SOAP 1.1 envelope, as POSTed to the service.
    public var soapEnvelope: String { SOAPEnvelope.wrap(xml) }
}

/// The SOAP 1.1 envelope around a signed request.
public enum SOAPEnvelope {
    /// The SOAP 1.1 envelope namespace.
    public static let namespace = "http://schemas.xmlsoap.org/soap/envelope/"

    /// Wraps a signed element; exclusive C14N keeps its signature valid inside the envelope.
    public static func wrap(_ element: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><SOAP-ENV:Envelope xmlns:SOAP-ENV=\"\(namespace)\"><SOAP-ENV:Header/><SOAP-ENV:Body>"
            + element + "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    }
}
