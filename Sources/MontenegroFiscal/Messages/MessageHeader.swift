import Foundation
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
        self.init(uuid: UUID().uuidString.lowercased(), sentAt: sentAt, subsequentDelivery: subsequentDelivery)
    }

    /// Creates a header with a given UUID (tests, replays).
    public init(uuid: String, sentAt: FiscalTimestamp, subsequentDelivery: SubsequentDeliveryType? = nil) {
        self.uuid = uuid
        self.sentAt = sentAt
        self.subsequentDelivery = subsequentDelivery
    }

    func write(_ w: inout CanonicalXMLWriter, allowsSubsequentDelivery: Bool = true) {
        w.element("Header", [
            ("UUID", uuid), ("SendDateTime", sentAt.text),
            ("SubseqDelivType", allowsSubsequentDelivery ? subsequentDelivery?.rawValue : nil),
        ])
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
