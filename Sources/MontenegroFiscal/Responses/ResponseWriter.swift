public import FiscalCore

/// Writes the tax authority's side of the protocol: signed responses and SOAP faults. Used by the
/// simulated tax authority, so the connector is tested against answers shaped like the real ones.
public enum ResponseWriter {
    /// A signed `RegisterInvoiceResponse`, `RegisterTCRResponse` or `RegisterCashDepositResponse`
    /// in a SOAP envelope. `value` is the FIC, TCR code or FCDC.
    public static func response(_ kind: MessageKind, requestUUID: String, value: String, sentAt: FiscalTimestamp, identity: SigningIdentity) -> String {
        var w = CanonicalXMLWriter(capacity: 1024)
        let root: StaticString, valueElement: StaticString
        switch kind {
        case .registerInvoice: (root, valueElement) = ("RegisterInvoiceResponse", "FIC")
        case .registerTCR: (root, valueElement) = ("RegisterTCRResponse", "TCRCode")
        case .registerCashDeposit: (root, valueElement) = ("RegisterCashDepositResponse", "FCDC")
        }
        w.startTag(root, namespace: "https://efi.tax.gov.me/fs/schema")
        w.attribute("Id", "Response")
        w.attribute("Version", "1")
        w.endStartTag()
        w.startTag("Header")
        w.attribute("RequestUUID", requestUUID)
        w.attribute("SendDateTime", sentAt.text)
        w.attribute("UUID", MessageHeader.randomUUID())
        w.endStartTag()
        w.close("Header")
        w.open(valueElement)
        w.text(value)
        w.close(valueElement)
        w.close(root)
        let signed = XMLSignature.sign(canonicalRoot: w.bytes, rootName: kind.responseElement, id: "Response", identity: identity)
        return SOAPEnvelope.wrap(signed)
    }

    /// A SOAP 1.1 fault in the service's layout: `faultcode`, `faultstring`, and `detail` with the
    /// EFI code and the UUIDs. Codes 900 and above are the server's.
    public static func fault(code: Int, message: String, requestUUID: String?) -> String {
        var w = CanonicalXMLWriter(capacity: 512)
        w.startTag("env:Envelope")
        w.attribute("xmlns:env", SOAPEnvelope.namespace)
        w.endStartTag()
        w.open("env:Body")
        w.open("env:Fault")
        w.open("faultcode")
        w.text(code >= 900 ? "env:Server" : "env:Client")
        w.close("faultcode")
        w.open("faultstring")
        w.text(message)
        w.close("faultstring")
        w.open("detail")
        w.open("code")
        w.text(String(code))
        w.close("code")
        if let requestUUID {
            w.open("requestUUID")
            w.text(requestUUID)
            w.close("requestUUID")
        }
        w.open("responseUUID")
        w.text(MessageHeader.randomUUID())
        w.close("responseUUID")
        w.close("detail")
        w.close("env:Fault")
        w.close("env:Body")
        w.close("env:Envelope")
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + w.text
    }
}
