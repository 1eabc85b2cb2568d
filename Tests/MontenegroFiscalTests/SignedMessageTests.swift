import FiscalCore
import FiscalTesting
import Foundation
@testable import MontenegroFiscal
import Testing

/// Every message kind, signed, against the official schema, libxml2's canonicalizer and the
/// independent xmlsec1.
@Suite struct SignedMessageTests {
    let signer = MessageSigner(identity: TestMaterial.taxpayer)
    let header = MessageHeader(uuid: "8d216f9a-55bb-445a-be32-30137f11b964", sentAt: SampleInvoices.issuedAt)
    static let rootCA = TestMaterial.certificate("test-root-ca.pem")

    static func messages() throws -> [(String, SignedMessage)] {
        let signer = MessageSigner(identity: TestMaterial.taxpayer)
        let header = MessageHeader(sentAt: SampleInvoices.issuedAt)
        var result = try SampleInvoices.allKinds().map { ($0.name, try signer.sign($0.invoice, header: header).message) }
        let today = FiscalDate(year: 2026, month: 11, day: 21)!
        result.append(("TCR registration", try signer.sign(TCRRegistration(issuerTIN: "12345678", businessUnit: "xx123xx123", internalID: "1", software: "ss123ss123", maintainer: "mm123mm123", validFrom: today, type: .regular), header: header, today: today)))
        result.append(("TCR deregistration", try signer.sign(TCRRegistration(issuerTIN: "12345678", businessUnit: "xx123xx123", internalID: "1", validTo: today, type: nil), header: header, today: today)))
        result.append(("deposit INITIAL", try signer.sign(CashDeposit(changedAt: SampleInvoices.issuedAt, operation: .initial, amount: .zero, tcr: "si747we972", issuerTIN: "12345678"), header: header)))
        result.append(("deposit WITHDRAW", try signer.sign(CashDeposit(changedAt: SampleInvoices.issuedAt, operation: .withdraw, amount: dec("150.00"), tcr: "si747we972", issuerTIN: "12345678"), header: MessageHeader(sentAt: SampleInvoices.issuedAt, subsequentDelivery: .noInternet))))
        return result
    }

    @Test func everyKindIsSchemaValidCanonicalAndVerifies() async throws {
        let all = try Self.messages()
        #expect(all.count == 18)
        for (name, message) in all {
            // Our own XSD check, and the xmllint command line on the same schema.
            #expect(SchemaValidator.shared.problems(in: message.xml).isEmpty, "\(name)")
            let file = try ExternalTools.temporaryFile(message.document)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let lint = try await ExternalTools.run("xmllint", ["--nonet", "--noout", "--schema", TestMaterial.shared("efi-schema/eficg-fiscalization-service.libxml2.xsd"), file])
            if lint.status != 127 || ExternalTools.required {
                #expect(lint.status == 0, "\(name): \(lint.output)")
            }

            // Written canonical: libxml2's exclusive C14N of the unsigned root reproduces the bytes.
            let document = try XMLDocument(Array(message.xml.utf8))
            let root = try #require(document.root)
            let signature = try #require(root.child("Signature"))
            let canonical = try #require(document.canonical(root, excluding: signature))
            let unsigned = message.xml.replacingOccurrences(of: #"<Signature xmlns=.*</Signature>"#, with: "", options: .regularExpression)
            #expect(String(decoding: canonical, as: UTF8.self) == unsigned, "\(name)")

            // Our verifier and xmlsec1 both accept it, bare and inside the SOAP envelope.
            #expect(SignatureVerifier.verify(message.xml, trusting: [TestMaterial.rootCA], at: SampleInvoices.issuedAt.date).isValid, "\(name)")
            #expect(SignatureVerifier.verify(message.soapEnvelope, trusting: [TestMaterial.rootCA], at: SampleInvoices.issuedAt.date).isValid, "\(name)")
            for xml in [message.document, message.soapEnvelope] {
                let run = try await ExternalTools.xmlsecVerify(xml, rootElement: message.kind.requestElement, trustedPEM: Self.rootCA)
                if run.status != 127 || ExternalTools.required {
                    #expect(run.status == 0, "\(name): \(run.output)")
                }
            }
        }
    }

    @Test func xmlsecIsInstalledUnderCI() {
        if ExternalTools.required {
            #expect(ExternalTools.find("xmlsec1") != nil, "CI must install xmlsec1 (Debian package xmlsec1)")
            #expect(ExternalTools.find("xmllint") != nil, "CI must install xmllint (Debian package libxml2-utils)")
        }
    }

    @Test func tamperedMessagesFailVerification() async throws {
        let message = try signer.sign(SampleInvoices.cash(), header: header).message
        let tampered = message.xml.replacingOccurrences(of: "TotPrice=\"5.50\"", with: "TotPrice=\"0.50\"")
        #expect(tampered != message.xml)
        #expect(SignatureVerifier.verify(tampered, trusting: [TestMaterial.rootCA]) == .invalid(SignatureFailure(code: .digestMismatch, message: "")))
        let run = try await ExternalTools.xmlsecVerify(SOAPEnvelope.wrap(tampered), rootElement: "RegisterInvoiceRequest", trustedPEM: Self.rootCA)
        if run.status != 127 || ExternalTools.required {
            #expect(run.status != 0, "xmlsec1 must reject a tampered message")
        }
        // Pretty-printing after signing breaks the digest as well.
        let reformatted = message.xml.replacingOccurrences(of: "><", with: ">\n  <")
        #expect(SignatureVerifier.verify(reformatted, trusting: [TestMaterial.rootCA]) == .invalid(SignatureFailure(code: .digestMismatch, message: "")))
        // A forged signature value.
        let forged = message.xml.replacingOccurrences(of: "<SignatureValue>", with: "<SignatureValue>AAAA")
        #expect(SignatureVerifier.verify(forged, trusting: [TestMaterial.rootCA]) == .invalid(SignatureFailure(code: .badSignature, message: "")))
    }

    @Test func untrustedSignersAreRejected() throws {
        let message = try signer.sign(SampleInvoices.cash(), header: header).message
        let other = try Certificate(contentsOf: TestMaterial.certificate("other-root-ca.pem"))
        #expect(SignatureVerifier.verify(message.xml, trusting: [other]) == .invalid(SignatureFailure(code: .untrustedSigner, message: "")))
        #expect(SignatureVerifier.verify(message.xml, trusting: [TestMaterial.taxpayer.certificate]).isValid)
        // Outside the signer's validity.
        #expect(!SignatureVerifier.verify(message.xml, trusting: [TestMaterial.rootCA], at: Date(timeIntervalSince1970: 0)).isValid)
        #expect(SignatureVerifier.verify(message.xml, trusting: [TestMaterial.rootCA], at: Date(timeIntervalSince1970: 0)) == .invalid(SignatureFailure(code: .signerNotValidAtTime, message: "")))
    }

    @Test func messageShapeFollowsTheProfile() throws {
        let message = try signer.sign(SampleInvoices.cash(), header: header).message
        #expect(message.xml.hasPrefix("<RegisterInvoiceRequest xmlns=\"https://efi.tax.gov.me/fs/schema\" Id=\"Request\" Version=\"1\"><Header SendDateTime=\"2026-11-21T10:15:00+01:00\" UUID=\"8d216f9a-55bb-445a-be32-30137f11b964\"></Header>"))
        #expect(message.xml.hasSuffix("</Signature></RegisterInvoiceRequest>"))
        #expect(!message.xml.contains("\n"))
        #expect(message.xml.contains("<Reference URI=\"#Request\">"))
        #expect(message.xml.contains("<X509Certificate>\(Data(TestMaterial.taxpayer.certificate.der).base64EncodedString())</X509Certificate>"))
        #expect(message.document.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?><RegisterInvoiceRequest"))
        #expect(message.soapEnvelope.contains("<SOAP-ENV:Body><RegisterInvoiceRequest"))
        #expect(message.kind.soapAction == "https://efi.tax.gov.me/fs/RegisterInvoice")
    }

    @Test func subsequentDeliveryKeepsTheIICWithNewHeader() throws {
        let first = try signer.sign(SampleInvoices.cash(), header: header)
        let retry = try signer.sign(SampleInvoices.cash(), header: MessageHeader(sentAt: FiscalTimestamp("2026-11-21T12:00:00+01:00")!, subsequentDelivery: .service), iic: first.iic)
        #expect(retry.iic == first.iic)
        #expect(retry.message.header.uuid != first.message.header.uuid)
        #expect(retry.message.xml.contains("SubseqDelivType=\"SERVICE\""))
        #expect(retry.message.xml.contains("IssueDateTime=\"2026-11-21T10:15:00+01:00\""))
        #expect(retry.message.xml.contains("SendDateTime=\"2026-11-21T12:00:00+01:00\""))
    }

    @Test func escapesTextAndKeepsUnicode() async throws {
        var invoice = SampleInvoices.cash()
        invoice.items[0].name = "Čaj & \"kafa\" <mala> 😀"
        invoice.items[1].name = "C\u{30C}evapi"
        invoice.note = "Tab\there\r\nnew line"
        let message = try signer.sign(invoice, header: header).message
        #expect(message.xml.contains("N=\"Čaj &amp; &quot;kafa&quot; &lt;mala> 😀\""))
        #expect(message.xml.contains("Note=\"Tab&#x9;here&#xD;&#xA;new line\""))
        let document = try XMLDocument(Array(message.xml.utf8))
        let root = try #require(document.root)
        let canonical = try #require(document.canonical(root, excluding: root.child("Signature")))
        #expect(String(decoding: canonical, as: UTF8.self) == message.xml.replacingOccurrences(of: #"<Signature xmlns=.*</Signature>"#, with: "", options: .regularExpression))
        let run = try await ExternalTools.xmlsecVerify(message.document, rootElement: "RegisterInvoiceRequest", trustedPEM: Self.rootCA)
        if run.status != 127 || ExternalTools.required { #expect(run.status == 0, "\(run.output)") }
    }

    @Test func schemaCheckCatchesWhatValidationCannot() {
        // A message with an element the schema does not know.
        let bad = "<RegisterCashDepositRequest xmlns=\"https://efi.tax.gov.me/fs/schema\" Id=\"Request\" Version=\"1\"><Header SendDateTime=\"2026-11-21T10:15:00+01:00\" UUID=\"8d216f9a-55bb-445a-be32-30137f11b964\"/><CashDeposit ChangeDateTime=\"x\" Operation=\"INITIAL\" CashAmt=\"0.00\" TCRCode=\"si747we972\" IssuerTIN=\"12345678\"/></RegisterCashDepositRequest>"
        let problems = SchemaValidator.shared.problems(in: bad)
        #expect(problems.contains { $0.contains("ChangeDateTime") })
        #expect(problems.contains { $0.contains("Signature") })
        #expect(SchemaValidator.shared.problems(in: "<not-closed").first?.hasPrefix("not well-formed") == true)
        #expect(throws: SchemaError.self) { try SchemaValidator.shared.validate(bad) }
    }

    @Test func embeddedSchemaIsTheOfficialOne() throws {
        #expect(EmbeddedSchema.efi == String(decoding: try TestMaterial.bytes(TestMaterial.shared("efi-schema/eficg-fiscalization-service.libxml2.xsd")), as: UTF8.self))
        #expect(EmbeddedSchema.xmldsig == String(decoding: try TestMaterial.bytes(TestMaterial.shared("efi-schema/xmldsig-core-schema.xsd")), as: UTF8.self))
    }
}
