import FiscalCore
import FiscalTesting
import Foundation
import Testing

@Suite struct CertificateTests {
    let password = TestMaterial.password

    @Test(arguments: ["taxpayer-modern.p12", "taxpayer-legacy.p12", "taxpayer-3des.p12"])
    func loadsEveryPKCS12Flavour(_ file: String) throws {
        let identity = try SigningIdentity(contentsOf: TestMaterial.certificate(file), password: password)
        let certificate = identity.certificate
        #expect(certificate.taxpayerTIN?.value == "12345678")
        #expect(certificate.organizationIdentifier == "VATME-12345678")
        #expect(certificate.subject.contains("O=Test DOO"))
        #expect(certificate.issuer.contains("CN=Fiscal Test Root CA"))
        #expect(certificate.commonName == "Test DOO Pecat")
        #expect(!certificate.serialNumber.isEmpty)
        #expect(certificate.notBefore == ISO8601DateFormatter().date(from: "2026-01-01T00:00:00Z"))
        #expect(certificate.notAfter == ISO8601DateFormatter().date(from: "2036-12-31T23:59:59Z"))
        #expect(identity.chain.map(\.subject).contains { $0.contains("Fiscal Test Root CA") })
        #expect(certificate.isSigned(by: TestMaterial.rootCA))
    }

    @Test func allFlavoursHoldTheSameKey() throws {
        let message = Array("12345678|2026-11-21T10:15:00+01:00|1|xx123xx123|si747we972|ss123ss123|5.50".utf8)
        let signatures = try ["taxpayer-modern.p12", "taxpayer-legacy.p12", "taxpayer-3des.p12"].map {
            try SigningIdentity(contentsOf: TestMaterial.certificate($0), password: password).sign(message)
        }
        #expect(Set(signatures).count == 1)
        #expect(signatures[0].count == 256)
    }

    @Test func loadsTheOfficialOldCoreITSeal() throws {
        // RC2-40 PKCS#12 of the public EFI test certificate, password 123456.
        let identity = try SigningIdentity(contentsOf: TestMaterial.shared("efi-vectors/test-cert/CoreitPecatSoft.pfx"), password: "123456")
        #expect(identity.certificate.taxpayerTIN?.value == "12345678")
        #expect(identity.certificate.notAfter < Date())
        #expect(!identity.certificate.isValid(at: Date()))
        let pem = try Certificate(contentsOf: TestMaterial.shared("efi-vectors/test-cert/test_cert.pem"))
        #expect(pem == identity.certificate)
    }

    @Test func loadsPEMCertificateWithKey() throws {
        let plain = try SigningIdentity(contentsOf: TestMaterial.certificate("taxpayer.pem"), password: nil, keyPath: TestMaterial.certificate("taxpayer.key"))
        let encrypted = try SigningIdentity(contentsOf: TestMaterial.certificate("taxpayer.pem"), password: password, keyPath: TestMaterial.certificate("taxpayer-encrypted.key"))
        let modern = try SigningIdentity(contentsOf: TestMaterial.certificate("taxpayer-modern.p12"), password: password)
        let message = Array("abc".utf8)
        #expect(plain.sign(message) == modern.sign(message))
        #expect(encrypted.sign(message) == modern.sign(message))
        // Certificate and key concatenated in one file.
        let combined = try TestMaterial.bytes(TestMaterial.certificate("taxpayer.pem")) + TestMaterial.bytes(TestMaterial.certificate("taxpayer.key"))
        #expect(try SigningIdentity(pem: combined, password: nil).sign(message) == modern.sign(message))
    }

    @Test func signaturesVerifyWithTheCertificate() throws {
        let identity = TestMaterial.taxpayer
        let message = Array("hello".utf8)
        let signature = identity.sign(message)
        #expect(identity.certificate.isValidSignature(signature, for: message))
        #expect(!identity.certificate.isValidSignature(signature, for: Array("hellO".utf8)))
        var damaged = signature
        damaged[0] ^= 1
        #expect(!identity.certificate.isValidSignature(damaged, for: message))
    }

    @Test func reportsExpiryAndMissingTIN() throws {
        let expired = try SigningIdentity(contentsOf: TestMaterial.certificate("expired.p12"), password: password)
        #expect(!expired.certificate.isValid(at: Date()))
        #expect(expired.certificate.daysUntilExpiry(from: Date()) < 0)
        let noTIN = try SigningIdentity(contentsOf: TestMaterial.certificate("no-tin.p12"), password: password)
        #expect(noTIN.certificate.taxpayerTIN == nil)
        let other = try SigningIdentity(contentsOf: TestMaterial.certificate("other-tin.p12"), password: password)
        #expect(other.certificate.taxpayerTIN?.value == "87654321")
    }

    @Test func wrongPasswordIsItsOwnError() {
        for file in ["taxpayer-modern.p12", "taxpayer-legacy.p12", "taxpayer-3des.p12"] {
            let error = #expect(throws: CertificateError.self) {
                try SigningIdentity(contentsOf: TestMaterial.certificate(file), password: "wrong")
            }
            #expect(error?.code == .wrongPassword, "\(file)")
            #expect(error?.message.contains("wrong") == false, "the message must not echo the password")
        }
        let pem = #expect(throws: CertificateError.self) {
            try SigningIdentity(contentsOf: TestMaterial.certificate("taxpayer.pem"), password: "wrong", keyPath: TestMaterial.certificate("taxpayer-encrypted.key"))
        }
        #expect(pem?.code == .wrongPassword)
        let missing = #expect(throws: CertificateError.self) {
            try SigningIdentity(contentsOf: TestMaterial.certificate("taxpayer.pem"), password: nil, keyPath: TestMaterial.certificate("taxpayer-encrypted.key"))
        }
        #expect(missing?.code == .wrongPassword)
    }

    @Test(arguments: [
        ("unsupported-algorithm.p12", CertificateError.Code.unsupportedEncryption),
        ("cert-only.p12", .noPrivateKey),
        ("mismatch.p12", .keyCertificateMismatch),
        ("ec-key.p12", .notRSA),
        ("rsa1024.p12", .wrongKeySize),
    ])
    func rejectsUnusableContainers(_ file: String, _ code: CertificateError.Code) {
        let error = #expect(throws: CertificateError.self) {
            try SigningIdentity(contentsOf: TestMaterial.certificate(file), password: password)
        }
        #expect(error?.code == code, "\(file): \(String(describing: error))")
        #expect(error?.source == TestMaterial.certificate(file))
    }

    @Test func rejectsMismatchedPEMAndMissingKey() {
        let mismatch = #expect(throws: CertificateError.self) {
            try SigningIdentity(contentsOf: TestMaterial.certificate("mismatch.pem"), password: nil)
        }
        #expect(mismatch?.code == .keyCertificateMismatch)
        let noKey = #expect(throws: CertificateError.self) {
            try SigningIdentity(contentsOf: TestMaterial.certificate("taxpayer.pem"), password: nil)
        }
        #expect(noKey?.code == .noPrivateKey)
        let noCert = #expect(throws: CertificateError.self) {
            try SigningIdentity(contentsOf: TestMaterial.certificate("taxpayer.key"), password: nil)
        }
        #expect(noCert?.code == .noCertificate)
    }

    @Test func rejectsUnreadableAndMalformedFiles() throws {
        let missing = #expect(throws: CertificateError.self) {
            try SigningIdentity(contentsOf: "/nonexistent/seal.p12", password: password)
        }
        #expect(missing?.code == .unreadable)
        let garbage = #expect(throws: CertificateError.self) {
            try SigningIdentity(pkcs12: Array("this is not a certificate".utf8), password: password)
        }
        #expect(garbage?.code == .malformed)
        let truncated = try Array(TestMaterial.bytes(TestMaterial.certificate("taxpayer-modern.p12")).prefix(200))
        let cut = #expect(throws: CertificateError.self) { try SigningIdentity(pkcs12: truncated, password: password) }
        #expect(cut?.code == .malformed)
        #expect(throws: CertificateError.self) { try Certificate(der: [0x30, 0x03, 0x02, 0x01]) }
    }

    @Test func parsesDERAndPEMCertificates() throws {
        let pem = try Certificate(contentsOf: TestMaterial.certificate("taxpayer.pem"))
        let der = try Certificate(der: pem.der)
        #expect(pem == der)
        #expect(try Certificate(pem: Array(pem.pem.utf8)) == pem)
        let service = try Certificate(contentsOf: TestMaterial.shared("efi-vectors/server-responses/efi_service_signing_cert_2020-2023.der"))
        #expect(service.organizationIdentifier == "VATME-11044760")
        #expect(service.issuer.contains("PostaCG CA"))
        #expect(service.sha256Fingerprint.count == 64)
    }
}

/// A PKCS#12 file can ask for any number of iterations; the loader refuses costly ones by name
/// before doing any of that work.
@Suite struct PKCS12IterationLimitTests {
    func refusal(_ bytes: [UInt8], password: String = "x") -> CertificateError? {
        do {
            _ = try SigningIdentity(pkcs12: bytes, password: password, source: "upload.p12")
            return nil
        } catch {
            return error as? CertificateError
        }
    }

    // Doing the work would hold a core for about 15 minutes: the time limit fails the test instead.
    @Test(.timeLimit(.minutes(1)), arguments: [
        (Int64(Int32.max), Int64(2048), [Int64(2048)], "integrity check (MAC)"),
        (2048, Int64(Int32.max), [2048], "certificate encryption"),
        (2048, 2048, [Int64(Int32.max)], "private key encryption"),
        (2048, 2048, [Int64.max], "private key encryption"),
    ])
    func hugeIterationCountsAreRefusedFastAndByName(mac: Int64, certificate: Int64, keys: [Int64], part: String) throws {
        let clock = ContinuousClock()
        let started = clock.now
        let error = refusal(HostilePKCS12.make(macIterations: mac, certificateIterations: certificate, keyIterations: keys))
        #expect(clock.now - started < .seconds(10), "refused before deriving anything")
        #expect(error?.code == .tooManyIterations)
        #expect(error?.message.contains(part) == true, "\(String(describing: error))")
        #expect(error?.message.contains("at most 1000000") == true)
        #expect(error?.description.hasPrefix("upload.p12: ") == true)
    }

    @Test func manyDerivationsWithinTheSingleLimitAreRefusedByTheirSum() throws {
        let bytes = HostilePKCS12.make(macIterations: 1_000_000, certificateIterations: 1_000_000, keyIterations: [1_000_000, 1_000_000])
        let error = refusal(bytes)
        #expect(error?.code == .tooManyIterations)
        #expect(error?.message.contains("4000000 iterations together") == true, "\(String(describing: error))")
    }

    @Test func ordinaryCountsPassTheLimitAndFailOnTheirMAC() throws {
        // The forged MAC is random: a file within the limits gets as far as the password check.
        #expect(refusal(HostilePKCS12.make(macIterations: 2048, certificateIterations: 2048, keyIterations: [2048]))?.code == .wrongPassword)
    }

    @Test func everyCommittedFileIsWithinTheLimits() throws {
        for file in ["taxpayer-modern.p12", "taxpayer-legacy.p12", "taxpayer-3des.p12", "tax-authority.p12", "expired.p12"] {
            _ = try SigningIdentity(contentsOf: TestMaterial.certificate(file), password: TestMaterial.password)
        }
    }
}
