public import FiscalCore
public import Foundation
import CLibXML2

/// A request as the tax authority receives it: what it is, its header, the business element's
/// attributes, whether it conforms to the schema and whether its signature holds. Used by the
/// simulated tax authority.
public struct IncomingRequest: Sendable {
    /// The operation.
    public let kind: MessageKind
    /// `Header/@UUID`.
    public let uuid: String
    /// `Header/@SendDateTime`, parsed.
    public let sentAt: FiscalTimestamp?
    /// `Header/@SubseqDelivType`.
    public let subsequentDelivery: SubsequentDeliveryType?
    /// Attributes of `Invoice`, `TCR` or `CashDeposit`.
    public let attributes: [String: String]
    /// `Invoice/PayMethods/PayMethod/@Type` values (invoices only).
    public let paymentTypes: [String]
    /// `Invoice/Seller/@IDNum` (invoices only).
    public let sellerID: String?
    /// Schema violations; empty when valid.
    public let schemaProblems: [String]
    /// The signature check against the trusted certificates.
    public let signature: SignatureCheck

    /// Reads a SOAP envelope (or bare request). Throws when it is not a request at all.
    public static func read(_ bytes: [UInt8], trusting trusted: [Certificate], at date: Date) throws(ResponseError) -> IncomingRequest {
        let document: XMLDocument
        do {
            document = try XMLDocument(bytes)
        } catch {
            throw ResponseError(.malformed, "not well-formed XML: \(error.message)")
        }
        guard let element = SignatureVerifier.signedElement(document),
              let kind = MessageKind.allCases.first(where: { $0.requestElement == element.localName }) else {
            throw ResponseError(.unexpectedElement, "no RegisterInvoiceRequest, RegisterTCRRequest or RegisterCashDepositRequest in the Body")
        }
        let header = element.child("Header")
        let business = element.child(kind == .registerInvoice ? "Invoice" : kind == .registerTCR ? "TCR" : "CashDeposit")
        var attributes: [String: String] = [:]
        var property = business?.pointee.properties
        while let current = property {
            if let name = current.pointee.name, let node = business {
                let key = String(cString: name)
                attributes[key] = node.attribute(key)
            }
            property = current.pointee.next
        }
        let payments = business?.child("PayMethods")?.elementChildren.compactMap { $0.attribute("Type") } ?? []
        // Validate the request element alone, as the service does with the Body's content: its
        // exclusive canonical form is a standalone document with the namespaces it uses.
        let standalone = document.canonical(element).flatMap { try? XMLDocument($0) }
        let problems = standalone.map { SchemaValidator.shared.problems(in: $0) } ?? ["the request element cannot be extracted"]
        return IncomingRequest(
            kind: kind, uuid: header?.attribute("UUID") ?? "",
            sentAt: header?.attribute("SendDateTime").flatMap(FiscalTimestamp.init),
            subsequentDelivery: header?.attribute("SubseqDelivType").flatMap(SubsequentDeliveryType.init(rawValue:)),
            attributes: attributes, paymentTypes: payments, sellerID: business?.child("Seller")?.attribute("IDNum"),
            schemaProblems: problems,
            signature: SignatureVerifier.verify(element: element, in: document, trusting: trusted, at: date)
        )
    }
}
