import FiscalCore
import FiscalTesting
import Foundation
@testable import MontenegroFiscal
import Testing

/// The genuine answers of the EFI test service (May 2021) and the spec's fault sample.
@Suite struct ResponseTests {
    static let folder = "efi-vectors/server-responses/"
    let serviceCertificate: Certificate

    init() throws {
        serviceCertificate = try Certificate(contentsOf: TestMaterial.shared(Self.folder + "efi_service_signing_cert_2020-2023.der"))
    }

    func response(_ name: String) throws -> [UInt8] { try TestMaterial.bytes(TestMaterial.shared(Self.folder + name)) }

    @Test(arguments: ["whitespace-stripped", "body-only", "as-committed"])
    func parsesAllThree(_ variant: String) throws {
        guard case .invoice(let header, let fic) = try ResponseParser.parse(response("RegisterInvoiceResponse.\(variant).xml")) else {
            Issue.record("not an invoice response"); return
        }
        #expect(fic == "029de09a-3784-4630-b8e4-257e55afbd0b")
        #expect(header.requestUUID == "ba0a563e-5ed7-47a6-baa0-bd4c2a959a2a")
        #expect(header.sentAt == "2021-05-22T13:32:51+02:00")
        guard case .tcr(_, let code) = try ResponseParser.parse(response("RegisterTCRResponse.\(variant).xml")) else {
            Issue.record("not a TCR response"); return
        }
        #expect(code == "ku392kn209")
        guard case .cashDeposit(_, let fcdc) = try ResponseParser.parse(response("RegisterCashDepositResponse.\(variant).xml")) else {
            Issue.record("not a deposit response"); return
        }
        #expect(fcdc == "d867e094-975c-4e6b-81d4-b4c68ea23b2d")
    }

    @Test(arguments: ["RegisterInvoiceResponse", "RegisterTCRResponse", "RegisterCashDepositResponse"])
    func genuineSignaturesVerifyUnlessPrettyPrinted(_ kind: String) throws {
        for variant in ["whitespace-stripped", "body-only"] {
            let check = SignatureVerifier.verify(try response("\(kind).\(variant).xml"), trusting: [serviceCertificate])
            #expect(check.isValid, "\(kind).\(variant): \(check)")
            if case .valid(let signer) = check { #expect(signer.organizationIdentifier == "VATME-11044760") }
        }
        let committed = SignatureVerifier.verify(try response("\(kind).as-committed.xml"), trusting: [serviceCertificate])
        #expect(committed == .invalid(SignatureFailure(code: .digestMismatch, message: "")))
    }

    @Test func genuineResponsesVerifyWithXmlsec1() async throws {
        let file = try ExternalTools.temporaryFile(String(decoding: try response("RegisterInvoiceResponse.body-only.xml"), as: UTF8.self))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let pem = try ExternalTools.temporaryFile(serviceCertificate.pem, suffix: ".pem")
        defer { try? FileManager.default.removeItem(atPath: pem) }
        let run = try await ExternalTools.run("xmlsec1", ["--verify", "--id-attr:Id", "https://efi.tax.gov.me/fs/schema:RegisterInvoiceResponse", "--pubkey-cert-pem", pem, "--enabled-key-data", "rsa,x509", file])
        if run.status != 127 || ExternalTools.required { #expect(run.status == 0, "\(run.output)") }
    }

    @Test func responsesFromAnUntrustedSignerAreRejected() throws {
        let check = SignatureVerifier.verify(try response("RegisterInvoiceResponse.body-only.xml"), trusting: [TestMaterial.rootCA])
        #expect(check == .invalid(SignatureFailure(code: .untrustedSigner, message: "")))
        // After the certificate expired, a response dated then would not be accepted.
        let late = SignatureVerifier.verify(try response("RegisterInvoiceResponse.body-only.xml"), trusting: [serviceCertificate], at: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(late == .invalid(SignatureFailure(code: .signerNotValidAtTime, message: "")))
    }

    @Test func bodyOnlyResponsesAreSchemaValid() throws {
        for kind in ["RegisterInvoiceResponse", "RegisterTCRResponse", "RegisterCashDepositResponse"] {
            let text = String(decoding: try response("\(kind).body-only.xml"), as: UTF8.self)
            #expect(SchemaValidator.shared.problems(in: text).isEmpty, "\(kind)")
        }
    }

    @Test func parsesTheSpecFault() throws {
        guard case .fault(let fault) = try ResponseParser.parse(TestMaterial.bytes(TestMaterial.shared("efi-vectors/spec-samples/soap_fault_code30.xml"))) else {
            Issue.record("not a fault"); return
        }
        #expect(fault.code == 30)
        #expect(fault.faultCode == "SOAP-ENV:CLIENT")
        #expect(fault.message == "Validation failed with digest wrong.")
        #expect(fault.requestUUID == "8d216f9a-55bb-445a-be32-30137f11b964")
        #expect(fault.responseUUID == "9416dcca-499a-4724-933d-40d115ea4fc7")
        #expect(fault.disposition == .blocking)
    }

    @Test func parsesFaultsWhateverThePrefix() throws {
        let xml = """
        <env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><env:Fault><faultcode>env:Server</faultcode>\
        <faultstring>Internal error</faultstring><detail><code>999</code></detail></env:Fault></env:Body></env:Envelope>
        """
        guard case .fault(let fault) = try ResponseParser.parse(xml) else { Issue.record("not a fault"); return }
        #expect(fault.code == 999)
        #expect(fault.requestUUID == nil)
        #expect(fault.disposition == .retryable)
    }

    @Test(arguments: [
        (0, FaultDisposition.blocking), (1, .blocking), (2, .retryable), (11, .blocking), (21, .blocking), (29, .blocking),
        (30, .blocking), (32, .blocking), (34, .retryable), (36, .retryable), (37, .blocking), (39, .retryable),
        (41, .retryable), (44, .blocking), (45, .blocking), (51, .blocking), (53, .retryable), (54, .blocking),
        (56, .blocking), (58, .retryable), (900, .retryable), (999, .retryable), (123, .blocking),
    ])
    func classifiesFaultCodes(_ code: Int, _ disposition: FaultDisposition) {
        #expect(FaultDisposition(code: code, faultCode: "CLIENT") == disposition)
    }

    @Test func unknownCodesFollowTheFaultCode() {
        #expect(FaultDisposition(code: 3, faultCode: "env:Server") == .retryable)
        #expect(FaultDisposition(code: 3, faultCode: "env:Client") == .blocking)
    }

    @Test func faultsWithoutCodeFollowTheFaultCode() {
        #expect(FaultDisposition(code: nil, faultCode: "SOAP-ENV:Server") == .retryable)
        #expect(FaultDisposition(code: nil, faultCode: "SOAP-ENV:Client") == .blocking)
    }

    @Test(arguments: [
        ("", ResponseError.Code.malformed),
        ("<a>", .malformed),
        ("<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Body/></env:Envelope>", .malformed),
        ("<Other/>", .unexpectedElement),
        ("<RegisterInvoiceResponse xmlns=\"https://efi.tax.gov.me/fs/schema\"><FIC>x</FIC></RegisterInvoiceResponse>", .missingField),
        ("<RegisterInvoiceResponse xmlns=\"https://efi.tax.gov.me/fs/schema\"><Header UUID=\"a\" RequestUUID=\"b\" SendDateTime=\"c\"/></RegisterInvoiceResponse>", .missingField),
    ])
    func rejectsUnreadableAnswers(_ text: String, _ code: ResponseError.Code) {
        let error = #expect(throws: ResponseError.self) { try ResponseParser.parse(text) }
        #expect(error?.code == code)
    }

    @Test func refusesExternalEntities() throws {
        let xml = """
        <?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\
        <RegisterTCRResponse xmlns="https://efi.tax.gov.me/fs/schema"><Header UUID="a" RequestUUID="b" SendDateTime="c"/><TCRCode>&x;</TCRCode></RegisterTCRResponse>
        """
        // The entity is not expanded: either the document is refused or the code stays empty.
        do {
            let response = try ResponseParser.parse(xml)
            guard case .tcr(_, let code) = response else { Issue.record("unexpected \(response)"); return }
            #expect(!code.contains("root:"))
        } catch {
            #expect(error.code == .missingField || error.code == .malformed)
        }
    }
}

@Suite struct VerificationURLTests {
    @Test func matchesTheOfficialExampleButEncodesThePlus() {
        let input = IICInput(tin: "91806031", issuedAt: "2019-09-26T13:50:13+01:00", ordinal: "6", businessUnit: "bg517kw842", tcr: "xb131ap287", software: "gz434bv927", totalPrice: "199.00")
        let url = VerificationURL.make(environment: .test, iic: "EA26D5BE7F45827026108F825A8A512B", input: input)
        #expect(url == "https://efitest.tax.gov.me/ic/#/verify?iic=EA26D5BE7F45827026108F825A8A512B&tin=91806031&crtd=2019-09-26T13:50:13%2B01:00&ord=6&bu=bg517kw842&cr=xb131ap287&sw=gz434bv927&prc=199.00")
        #expect(VerificationURL.make(environment: .production, iic: "X", input: input).hasPrefix("https://mapr.tax.gov.me/ic/#/verify?iic=X&"))
    }

    @Test func signedInvoiceCarriesItsURL() throws {
        let signed = try MessageSigner(identity: TestMaterial.taxpayer).sign(SampleInvoices.cash(), header: MessageHeader(sentAt: SampleInvoices.issuedAt))
        let url = signed.verificationURL(.test)
        #expect(url.contains("iic=\(signed.iic.code)&tin=12345678&crtd=2026-11-21T10:15:00%2B01:00&ord=1&bu=xx123xx123&cr=si747we972&sw=ss123ss123&prc=5.50"))
        #expect(URLComponents(string: url.replacingOccurrences(of: "#/verify", with: "verify")) != nil)
        #expect(EFIEnvironment.test.serviceURL == "https://efitest.tax.gov.me/fs-v1")
        #expect(EFIEnvironment.production.serviceURL == "https://efi.tax.gov.me/fs-v1")
    }
}
