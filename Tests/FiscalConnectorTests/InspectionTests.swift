import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import MontenegroFiscal
import Testing

@Suite struct CertificateInspectionTests {
    let now = ISO8601DateFormatter().date(from: "2026-11-21T10:00:00Z")!

    @Test func acceptsAValidCertificate() throws {
        let report = try CertificateInspection.inspect(file: TestMaterial.certificate("taxpayer-legacy.p12"), password: TestMaterial.password, expectedTIN: "12345678", now: now)
        #expect(report.accepted)
        #expect(report.tin == "12345678")
        #expect(report.problems.isEmpty && report.warnings.isEmpty)
        #expect(report.daysLeft > 3000)
        #expect(report.subject.contains("organizationIdentifier=VATME-12345678"))
    }

    @Test func warnsThirtyDaysBeforeExpiry() throws {
        let certificate = TestMaterial.taxpayer.certificate
        let soon = certificate.notAfter.addingTimeInterval(-10 * 86_400)
        let report = CertificateInspection.inspect(certificate, file: "seal.p12", now: soon)
        #expect(report.accepted)
        #expect(report.daysLeft == 10)
        #expect(report.warnings.first?.contains("expires in 10 days") == true)
        let early = CertificateInspection.inspect(certificate, file: "seal.p12", now: certificate.notAfter.addingTimeInterval(-31 * 86_400))
        #expect(early.warnings.isEmpty)
    }

    @Test func refusesExpiredForeignAndTINlessCertificates() throws {
        let expired = try CertificateInspection.inspect(file: TestMaterial.certificate("expired.p12"), password: TestMaterial.password, now: now)
        #expect(!expired.accepted && expired.problems.first?.contains("expired") == true)
        let other = try CertificateInspection.inspect(file: TestMaterial.certificate("other-tin.p12"), password: TestMaterial.password, expectedTIN: "12345678", now: now)
        #expect(!other.accepted && other.problems.first?.contains("87654321") == true)
        let noTIN = try CertificateInspection.inspect(file: TestMaterial.certificate("no-tin.p12"), password: TestMaterial.password, now: now)
        #expect(!noTIN.accepted && noTIN.tin == nil)
        let notYet = CertificateInspection.inspect(TestMaterial.taxpayer.certificate, file: "x", now: ISO8601DateFormatter().date(from: "2025-06-01T00:00:00Z")!)
        #expect(!notYet.accepted)
    }

    @Test func unusableFilesThrowTheirCertificateError() async {
        let error = #expect(throws: CertificateError.self) {
            try CertificateInspection.inspect(file: TestMaterial.certificate("taxpayer-modern.p12"), password: "nope")
        }
        #expect(error?.code == .wrongPassword)
    }

    @Test func encodesSnakeCaseJSON() async throws {
        let report = CertificateInspection.inspect(TestMaterial.taxpayer.certificate, file: "seal.p12", now: now)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"days_left\"") && json.contains("\"valid_until\"") && json.contains("\"serial_number\""))
    }
}

@Suite struct IICComputationTests {
    @Test func reproducesTheOfficialExample() async throws {
        let identity = try SigningIdentity(contentsOf: TestMaterial.certificate("spec-example.p12"), password: TestMaterial.password)
        let input = try IICInput(parsing: TestMaterial.text(TestMaterial.shared("efi-vectors/official-iic/iic_input.txt")))
        let result = try IICComputation.compute(input, identity: identity)
        #expect(result.iic == "E4033D471FEEA47A3C664B15C669C709")
        #expect(result.iicSignature.count == 512)
    }

    @Test func refusesAnotherTaxpayersInput() async throws {
        let input = IICInput(tin: "87654321", issuedAt: "2026-11-21T10:15:00+01:00", ordinal: "1", businessUnit: "xx123xx123", tcr: "si747we972", software: "ss123ss123", totalPrice: "5.50")
        let error = #expect(throws: ValidationError.self) { try IICComputation.compute(input, identity: TestMaterial.taxpayer) }
        #expect(error?.issues.first?.code == .sellerMismatch)
    }
}

/// The built `fiscal-connector` executable, end to end.
@Suite struct CommandLineTests {
    static var executable: String? { ExternalTools.built("fiscal-connector") }

    func run(_ arguments: [String], environment: [String: String] = ["FISCAL_TEST_PASSWORD": TestMaterial.password]) async throws -> (status: Int32, stdout: String, stderr: String)? {
        guard let executable = Self.executable else {
            #expect(!ExternalTools.required, "fiscal-connector was not built")
            return nil
        }
        let run = try await ExternalTools.run(executable: executable, arguments, environment: environment)
        return (run.status, run.standardOutput, run.standardError)
    }

    @Test func iicFromInputString() async throws {
        let input = try TestMaterial.text(TestMaterial.shared("efi-vectors/official-iic/iic_input.txt"))
        guard let result = try await run(["iic", "--certificate", TestMaterial.certificate("spec-example.p12"), "--password-env", "FISCAL_TEST_PASSWORD", "--input", input]) else { return }
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String]
        #expect(json?["iic"] == "E4033D471FEEA47A3C664B15C669C709")
        #expect(json?["iic_signature"] == (try TestMaterial.text(TestMaterial.shared("efi-vectors/official-iic/expected_iic_signature.hex"))))
    }

    @Test func iicFromFields() async throws {
        guard let result = try await run(["iic", "--certificate", TestMaterial.certificate("spec-example.p12"), "--password-env", "FISCAL_TEST_PASSWORD",
                                    "--tin", "12345678", "--issued-at", "2019-06-12T17:05:43+02:00", "--ordinal", "9952", "--business-unit", "bb123bb123",
                                    "--tcr", "cc123cc123", "--software", "ss123ss123", "--total", "99.01"]) else { return }
        #expect(result.status == 0)
        #expect(result.stdout.contains("E4033D471FEEA47A3C664B15C669C709"))
    }

    @Test func badInputExitsTwoWithTheField() async throws {
        guard let bad = try await run(["iic", "--certificate", TestMaterial.certificate("spec-example.p12"), "--password-env", "FISCAL_TEST_PASSWORD", "--input", "1|2|3"]) else { return }
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("expected 7"))
        guard let missing = try await run(["iic", "--certificate", TestMaterial.certificate("spec-example.p12"), "--password-env", "FISCAL_TEST_PASSWORD", "--tin", "12345678"]) else { return }
        #expect(missing.status == 2 && missing.stderr.contains("--issued-at"))
        guard let noPassword = try await run(["iic", "--certificate", TestMaterial.certificate("spec-example.p12"), "--password-env", "UNSET_VARIABLE", "--input", "x"], environment: [:]) else { return }
        #expect(noPassword.status == 2)
        guard let wrong = try await run(["certificate", "inspect", TestMaterial.certificate("taxpayer-modern.p12"), "--password-env", "P"], environment: ["P": "wrong"]) else { return }
        #expect(wrong.status == 2 && wrong.stderr.contains("password does not open"))
    }

    @Test func inspectReportsAcceptance() async throws {
        guard let good = try await run(["certificate", "inspect", TestMaterial.certificate("taxpayer-legacy.p12"), "--password-env", "FISCAL_TEST_PASSWORD", "--tin", "12345678"]) else { return }
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("\"accepted\" : true"))
        guard let expired = try await run(["certificate", "inspect", TestMaterial.certificate("expired.p12"), "--password-env", "FISCAL_TEST_PASSWORD"]) else { return }
        #expect(expired.status == 2)
        #expect(expired.stdout.contains("\"accepted\" : false"))
    }
}
