import Foundation
import FiscalCore

/// The enveloped XML-DSig profile of the EFI service: exclusive C14N, RSA-SHA256, SHA-256 digest,
/// one reference to the root's `Id`, the signer's certificate in `KeyInfo`.
public enum XMLSignature {
    /// The XML-DSig namespace.
    public static let namespace = "http://www.w3.org/2000/09/xmldsig#"
    static let exclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    static let rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    static let sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"

    /// Signs a canonical root element (written by ``CanonicalXMLWriter``, ending in `</rootName>`)
    /// and returns it with the `Signature` appended as its last child.
    static func sign(canonicalRoot: [UInt8], rootName: String, id: String, identity: SigningIdentity) -> String {
        let digest = Data(Digest.sha256(canonicalRoot)).base64EncodedString()
        let signedInfoBody = signedInfoContent(id: id, digest: digest)
        let canonicalSignedInfo = "<SignedInfo xmlns=\"\(namespace)\">" + signedInfoBody + "</SignedInfo>"
        let signatureValue = Data(identity.sign(canonicalSignedInfo.utf8)).base64EncodedString()
        let closing = Array("</\(rootName)>".utf8)
        precondition(canonicalRoot.count > closing.count && Array(canonicalRoot.suffix(closing.count)) == closing, "root element must end with </\(rootName)>")
        var signed = canonicalRoot.dropLast(closing.count)
        signed.reserveCapacity(canonicalRoot.count + 2500)
        signed.append(contentsOf: "<Signature xmlns=\"\(namespace)\"><SignedInfo>".utf8)
        signed.append(contentsOf: signedInfoBody.utf8)
        signed.append(contentsOf: "</SignedInfo><SignatureValue>".utf8)
        signed.append(contentsOf: signatureValue.utf8)
        signed.append(contentsOf: "</SignatureValue><KeyInfo><X509Data><X509Certificate>".utf8)
        signed.append(contentsOf: identity.certificateBase64.utf8)
        signed.append(contentsOf: "</X509Certificate></X509Data></KeyInfo></Signature>".utf8)
        signed.append(contentsOf: closing)
        return String(decoding: signed, as: UTF8.self)
    }

    private static func signedInfoContent(id: String, digest: String) -> String {
        "<CanonicalizationMethod Algorithm=\"\(exclusiveC14N)\"></CanonicalizationMethod>"
            + "<SignatureMethod Algorithm=\"\(rsaSHA256)\"></SignatureMethod>"
            + "<Reference URI=\"#\(id)\"><Transforms>"
            + "<Transform Algorithm=\"\(envelopedSignature)\"></Transform>"
            + "<Transform Algorithm=\"\(exclusiveC14N)\"></Transform></Transforms>"
            + "<DigestMethod Algorithm=\"\(sha256)\"></DigestMethod>"
            + "<DigestValue>\(digest)</DigestValue></Reference>"
    }
}
