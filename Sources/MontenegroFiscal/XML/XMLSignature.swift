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
    static func sign(canonicalRoot: String, rootName: String, id: String, identity: SigningIdentity) -> String {
        let digest = Data(Digest.sha256(canonicalRoot.utf8)).base64EncodedString()
        let signedInfoBody = signedInfoContent(id: id, digest: digest)
        let canonicalSignedInfo = "<SignedInfo xmlns=\"\(namespace)\">" + signedInfoBody + "</SignedInfo>"
        let signatureValue = Data(identity.sign(canonicalSignedInfo.utf8)).base64EncodedString()
        let certificate = Data(identity.certificate.der).base64EncodedString()
        let closing = "</\(rootName)>"
        precondition(canonicalRoot.hasSuffix(closing), "root element must end with \(closing)")
        var signed = String(canonicalRoot.dropLast(closing.count))
        signed.reserveCapacity(canonicalRoot.utf8.count + 3000)
        signed += "<Signature xmlns=\"\(namespace)\"><SignedInfo>"
        signed += signedInfoBody
        signed += "</SignedInfo><SignatureValue>\(signatureValue)</SignatureValue>"
        signed += "<KeyInfo><X509Data><X509Certificate>\(certificate)</X509Certificate></X509Data></KeyInfo></Signature>"
        signed += closing
        return signed
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
