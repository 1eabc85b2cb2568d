public import Foundation
public import FiscalCore
import CLibXML2

/// The outcome of checking an enveloped XML signature.
public enum SignatureCheck: Sendable, Equatable {
    /// The digest and signature are correct and the signer is trusted.
    case valid(signer: Certificate)
    /// Something did not hold.
    case invalid(SignatureFailure)

    /// `true` for ``valid(signer:)``.
    public var isValid: Bool {
        if case .valid = self { return true }
        return false
    }
}

/// Why a signature was not accepted.
public struct SignatureFailure: Sendable, Equatable, CustomStringConvertible {
    /// The closed set of reasons.
    public enum Code: String, Sendable, Equatable {
        /// Not well-formed XML, or no signed element found.
        case malformed
        /// No `Signature` (or more than one) in the signed element.
        case missingSignature
        /// An algorithm other than the EFI profile's (exc-c14n, RSA-SHA256, SHA-256).
        case unexpectedAlgorithm
        /// The reference does not point at the signed element.
        case referenceMismatch
        /// The content changed after signing (digest mismatch).
        case digestMismatch
        /// The signature value does not verify with the certificate in `KeyInfo`.
        case badSignature
        /// The signer's certificate is not one of the trusted certificates, nor issued by one.
        case untrustedSigner
        /// The signer's certificate was expired or not yet valid at the time checked.
        case signerNotValidAtTime
    }

    /// What failed.
    public let code: Code
    /// Details.
    public let message: String

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (lhs: SignatureFailure, rhs: SignatureFailure) -> Bool { lhs.code == rhs.code }
}

/// Verifies enveloped XML-DSig signatures of the EFI profile, such as the tax authority's responses.
public enum SignatureVerifier {
    /// Verifies the signature of the signed element in `xml` (a bare element, or the first child of
    /// a SOAP Body). The signer must be one of `trusted` or be issued by one of them, and be valid
    /// at `date` (by default the message's own `Header/@SendDateTime`, else now).
    public static func verify(_ xml: [UInt8], trusting trusted: [Certificate], at date: Date? = nil) -> SignatureCheck {
        let document: XMLDocument
        do {
            document = try XMLDocument(xml)
        } catch {
            return .invalid(SignatureFailure(code: .malformed, message: "not well-formed XML: \(error.message)"))
        }
        guard let element = signedElement(document) else {
            return .invalid(SignatureFailure(code: .malformed, message: "no signed element found"))
        }
        return verify(element: element, in: document, trusting: trusted, at: date)
    }

    /// Verifies `xml` given as a string.
    public static func verify(_ xml: String, trusting trusted: [Certificate], at date: Date? = nil) -> SignatureCheck {
        verify(Array(xml.utf8), trusting: trusted, at: date)
    }

    /// The request or response element: the root, or the first element in a SOAP Body.
    static func signedElement(_ document: XMLDocument) -> xmlNodePtr? {
        guard let root = document.root else { return nil }
        if root.localName == "Envelope" && root.namespaceURI == SOAPEnvelope.namespace {
            return root.child("Body")?.elementChildren.first
        }
        return root
    }

    static func verify(element: xmlNodePtr, in document: XMLDocument, trusting trusted: [Certificate], at date: Date?) -> SignatureCheck {
        func fail(_ code: SignatureFailure.Code, _ message: String) -> SignatureCheck {
            .invalid(SignatureFailure(code: code, message: message))
        }
        let signatures = element.elementChildren.filter { $0.localName == "Signature" && $0.namespaceURI == XMLSignature.namespace }
        guard signatures.count == 1, let signature = signatures.first else {
            return fail(.missingSignature, signatures.isEmpty ? "\(element.localName) carries no Signature" : "\(element.localName) carries \(signatures.count) signatures")
        }
        guard let signedInfo = signature.child("SignedInfo"),
              let c14nMethod = signedInfo.child("CanonicalizationMethod")?.attribute("Algorithm"),
              let signatureMethod = signedInfo.child("SignatureMethod")?.attribute("Algorithm") else {
            return fail(.malformed, "SignedInfo is incomplete")
        }
        guard c14nMethod == XMLSignature.exclusiveC14N, signatureMethod == XMLSignature.rsaSHA256 else {
            return fail(.unexpectedAlgorithm, "canonicalization \(c14nMethod) / signature \(signatureMethod) is not exc-c14n / rsa-sha256")
        }
        let references = signedInfo.elementChildren.filter { $0.localName == "Reference" }
        guard references.count == 1, let reference = references.first else {
            return fail(.referenceMismatch, "expected exactly one Reference, found \(references.count)")
        }
        guard let id = element.attribute("Id"), reference.attribute("URI") == "#" + id else {
            return fail(.referenceMismatch, "Reference URI \(reference.attribute("URI") ?? "none") does not point at \(element.localName)")
        }
        let transforms = reference.child("Transforms")?.elementChildren.compactMap { $0.attribute("Algorithm") } ?? []
        guard transforms == [XMLSignature.envelopedSignature, XMLSignature.exclusiveC14N] else {
            return fail(.unexpectedAlgorithm, "transforms \(transforms) are not enveloped-signature + exc-c14n")
        }
        guard reference.child("DigestMethod")?.attribute("Algorithm") == XMLSignature.sha256,
              let digestText = reference.child("DigestValue")?.text,
              let expectedDigest = Data(base64Encoded: digestText, options: .ignoreUnknownCharacters) else {
            return fail(.unexpectedAlgorithm, "the digest is not SHA-256 or not base64")
        }
        guard let content = document.canonical(element, excluding: signature) else {
            return fail(.malformed, "the signed element cannot be canonicalized")
        }
        guard [UInt8](expectedDigest) == Digest.sha256(content) else {
            return fail(.digestMismatch, "the content of \(element.localName) changed after signing (reformatting breaks the signature too)")
        }
        guard let signatureText = signature.child("SignatureValue")?.text,
              let signatureValue = Data(base64Encoded: signatureText, options: .ignoreUnknownCharacters),
              let certificateText = signature.child("KeyInfo")?.child("X509Data")?.child("X509Certificate")?.text,
              let certificateDER = Data(base64Encoded: certificateText, options: .ignoreUnknownCharacters),
              let certificate = try? Certificate(der: [UInt8](certificateDER)) else {
            return fail(.malformed, "SignatureValue or KeyInfo/X509Data/X509Certificate is missing or not base64")
        }
        guard let canonicalSignedInfo = document.canonical(signedInfo),
              certificate.isValidSignature([UInt8](signatureValue), for: canonicalSignedInfo) else {
            return fail(.badSignature, "the signature value does not verify with the certificate of \(certificate.subject)")
        }
        let moment = date ?? element.child("Header")?.attribute("SendDateTime").flatMap(FiscalTimestamp.init)?.date ?? Date()
        guard certificate.chains(to: trusted) else {
            return fail(.untrustedSigner, "the signer \(certificate.subject) is not a trusted certificate nor issued by one")
        }
        guard certificate.isValid(at: moment) else {
            return fail(.signerNotValidAtTime, "the signer's certificate \(certificate.subject) was not valid at \(moment)")
        }
        return .valid(signer: certificate)
    }
}
