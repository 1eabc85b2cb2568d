import FiscalCore
import FiscalTesting
@testable import MontenegroFiscal
import Testing

@Suite struct IICTests {
    @Test func reproducesTheOfficialKnownAnswer() throws {
        // The worked example of the technical specification: its key, input, signature and IIC.
        let identity = try SigningIdentity(contentsOf: TestMaterial.certificate("spec-example.p12"), password: TestMaterial.password)
        let text = try TestMaterial.text(TestMaterial.shared("efi-vectors/official-iic/iic_input.txt"))
        let input = try IICInput(parsing: text)
        #expect(input.text == text)
        let iic = IIC(input: input, identity: identity)
        #expect(iic.signature == (try TestMaterial.text(TestMaterial.shared("efi-vectors/official-iic/expected_iic_signature.hex"))))
        #expect(iic.code == (try TestMaterial.text(TestMaterial.shared("efi-vectors/official-iic/expected_iic.txt"))))
        #expect(iic.code == "E4033D471FEEA47A3C664B15C669C709")
        #expect(IIC.verify(code: iic.code, signature: iic.signature, input: input, certificate: identity.certificate))
    }

    @Test func theKnownAnswerKeyAlsoLoadsFromItsPEM() throws {
        let pemKey = try TestMaterial.bytes(TestMaterial.shared("efi-vectors/official-iic/spec_example_private_key.pem"))
        let p12 = try SigningIdentity(contentsOf: TestMaterial.certificate("spec-example.p12"), password: TestMaterial.password)
        let pem = try SigningIdentity(pem: Array(p12.certificate.pem.utf8), keyPEM: pemKey, password: nil)
        let input = try IICInput(parsing: TestMaterial.text(TestMaterial.shared("efi-vectors/official-iic/iic_input.txt")))
        #expect(IIC(input: input, identity: pem) == IIC(input: input, identity: p12))
    }

    @Test func theSpecSampleRequestIICIsMD5OfHexNotOfBytes() throws {
        // The spec's sample request carries IIC = MD5(hex text of the signature): a known error of
        // the document. Our IIC is MD5 of the bytes, as the algorithm section says.
        let signature = try TestMaterial.text(TestMaterial.shared("efi-vectors/spec-samples/spec_sample_request_IICSignature.hex"))
        let documented = try TestMaterial.text(TestMaterial.shared("efi-vectors/spec-samples/spec_sample_request_IIC.txt"))
        #expect(Hex.upper(Digest.md5(Array(signature.utf8))) == documented)
        #expect(Hex.upper(Digest.md5(Hex.bytes(signature)!)) != documented)
    }

    @Test func invoiceInputUsesTheXMLStrings() throws {
        let invoice = SampleInvoices.cash(ordinal: 42)
        let signed = try MessageSigner(identity: TestMaterial.taxpayer).sign(invoice, header: MessageHeader(sentAt: SampleInvoices.issuedAt))
        #expect(signed.iicInput.text == "12345678|2026-11-21T10:15:00+01:00|42|xx123xx123|si747we972|ss123ss123|5.50")
        #expect(signed.message.xml.contains("IIC=\"\(signed.iic.code)\""))
        #expect(signed.message.xml.contains("IICSignature=\"\(signed.iic.signature)\""))
        #expect(signed.message.xml.contains("TotPrice=\"5.50\""))
        #expect(signed.message.xml.contains("InvNum=\"xx123xx123/42/2026/si747we972\""))
        #expect(IIC.verify(code: signed.iic.code, signature: signed.iic.signature, input: signed.iicInput, certificate: TestMaterial.taxpayer.certificate))
        #expect(!IIC.verify(code: signed.iic.code, signature: signed.iic.signature, input: IICInput(tin: "12345678", issuedAt: "2026-11-21T10:15:00+01:00", ordinal: "43", businessUnit: "xx123xx123", tcr: "si747we972", software: "ss123ss123", totalPrice: "5.50"), certificate: TestMaterial.taxpayer.certificate))
    }

    @Test(arguments: [
        ("12345678|2019-06-12T17:05:43+02:00|9952|bb123bb123|cc123cc123|ss123ss123", "input"),
        ("1234567|2019-06-12T17:05:43+02:00|9952|bb123bb123|cc123cc123|ss123ss123|99.01", "tin"),
        ("12345678|2019-06-12 17:05:43|9952|bb123bb123|cc123cc123|ss123ss123|99.01", "issued_at"),
        ("12345678|2019-06-12T17:05:43+02:00|09952|bb123bb123|cc123cc123|ss123ss123|99.01", "ordinal"),
        ("12345678|2019-06-12T17:05:43+02:00|9952|BB123bb123|cc123cc123|ss123ss123|99.01", "business_unit"),
        ("12345678|2019-06-12T17:05:43+02:00|9952|bb123bb123|cc123cc1231|ss123ss123|99.01", "tcr_code"),
        ("12345678|2019-06-12T17:05:43+02:00|9952|bb123bb123|cc123cc123|ss123ss12|99.01", "software_code"),
        ("12345678|2019-06-12T17:05:43+02:00|9952|bb123bb123|cc123cc123|ss123ss123|99,01", "total"),
        ("12345678|2019-06-12T17:05:43+02:00|9952|bb123bb123|cc123cc123|ss123ss123|99.1", "total"),
    ])
    func rejectsMalformedInput(_ text: String, _ field: String) {
        let error = #expect(throws: ValidationError.self) { try IICInput(parsing: text) }
        #expect(error?.issues.map(\.field) == [field])
    }
}
