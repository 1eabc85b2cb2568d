import FiscalCore
import FiscalTesting
import Foundation
import Testing

@Suite struct TOMLTests {
    @Test func parsesTheConfigurationSubset() throws {
        let document = try TOMLDocument(parsing: #"""
            # comment
            title = "x" # trailing comment
            [taxpayer]
            tin = "12345678"
            in_vat = true
            count = 1_000
            rate = 21.5
            hex = 0xff
            [tax_authority]
            response_certificates = [
                "a.pem", # first
                'b\c.pem',
            ]
            nested = { a = 1, b = "two" }
            [a.b.c]
            d = """
            multi
            line"""
            when = 2026-11-21T10:15:00+01:00
            "quoted key" = "é\u00e9\n"
            [[items]]
            name = "one"
            [[items]]
            name = "two"
            """#)
        #expect(document.value(at: "title") == .string("x"))
        #expect(document.value(at: "taxpayer.tin") == .string("12345678"))
        #expect(document.value(at: "taxpayer.in_vat") == .boolean(true))
        #expect(document.value(at: "taxpayer.count") == .integer(1000))
        #expect(document.value(at: "taxpayer.rate") == .float("21.5"))
        #expect(document.value(at: "taxpayer.hex") == .integer(255))
        #expect(document.value(at: "tax_authority.response_certificates") == .array([.string("a.pem"), .string("b\\c.pem")]))
        #expect(document.value(at: "tax_authority.nested") == .table(["a": .integer(1), "b": .string("two")]))
        #expect(document.value(at: "a.b.c.d") == .string("multi\nline"))
        #expect(document.value(at: "a.b.c.when") == .dateTime("2026-11-21T10:15:00+01:00"))
        #expect(document.value(at: "a.b.c.quoted key") == .string("éé\n"))
        #expect(document.value(at: "items") == .array([.table(["name": .string("one")]), .table(["name": .string("two")])]))
        #expect(document.lines["taxpayer.tin"] == 4)
    }

    @Test(arguments: [
        ("a = ", 1, "missing"),
        ("a = nope", 1, "strings need quotes"),
        ("a = \"open", 1, "not closed"),
        ("a = 1\na = 2", 2, "defined twice"),
        ("[t]\n[t]", 2, "defined twice"),
        ("a = 1 b = 2", 1, "unexpected text"),
        ("a = \"C:\\path\"", 1, "unknown escape"),
        ("a = [1, 2", 1, "not closed"),
        ("[t\nx = 1", 1, "']'"),
    ])
    func reportsErrorsWithLines(_ text: String, _ line: Int, _ fragment: String) {
        let error = #expect(throws: TOMLError.self) { try TOMLDocument(parsing: text) }
        #expect(error?.line == line, "\(text): \(String(describing: error))")
        #expect(error?.message.contains(fragment) == true, "\(text): \(String(describing: error))")
    }
}

@Suite struct LicenseTests {
    let key = Ed25519.PrivateKey.generate()
    var today: FiscalDate { FiscalDate(year: 2026, month: 11, day: 21)! }

    func license(_ change: (inout License) -> Void = { _ in }) -> License {
        var license = License(id: "license-1", keyID: key.publicKey.keyID, tin: "12345678", businessUnit: "xx123xx123", device: "si747we972",
                              environments: ["test"], issued: FiscalDate(year: 2026, month: 1, day: 1)!, expires: FiscalDate(year: 2027, month: 1, day: 1)!)
        change(&license)
        return license
    }

    @Test func roundTripsAndChecks() throws {
        let token = try license().token(signedWith: key)
        #expect(token.hasPrefix("FL1."))
        let verified = try License.verify(token, trustedKeys: [key.publicKey])
        #expect(verified == license())
        try verified.check(tin: "12345678", businessUnit: "xx123xx123", device: "si747we972", environment: "test", today: today)
        #expect(throws: LicenseError.self) { try verified.check(tin: "12345678", businessUnit: "xx123xx123", device: "si747we972", environment: "production", today: today) }
        #expect((try? verified.check(tin: "87654321", businessUnit: "xx123xx123", device: "si747we972", environment: "test", today: today)) == nil)
        let expired = #expect(throws: LicenseError.self) {
            try verified.check(tin: "12345678", businessUnit: "xx123xx123", device: "si747we972", environment: "test", today: FiscalDate(year: 2027, month: 1, day: 2)!)
        }
        #expect(expired?.code == .expired)
        // The last day is still valid.
        try verified.check(tin: "12345678", businessUnit: "xx123xx123", device: "si747we972", environment: "test", today: FiscalDate(year: 2027, month: 1, day: 1)!)
    }

    @Test func refusesTamperedForeignAndMalformedTokens() throws {
        let token = try license().token(signedWith: key)
        let parts = token.split(separator: ".")
        let other = try license { $0.tin = "87654321" }.token(signedWith: key).split(separator: ".")
        let spliced = "\(parts[0]).\(other[1]).\(parts[2])"
        #expect((#expect(throws: LicenseError.self) { try License.verify(spliced, trustedKeys: [key.publicKey]) })?.code == .badSignature)
        let stranger = Ed25519.PrivateKey.generate()
        #expect((#expect(throws: LicenseError.self) { try License.verify(token, trustedKeys: [stranger.publicKey]) })?.code == .unknownKey)
        for bad in ["", "FL1.", "FL1.a.b", "FL2.\(parts[1]).\(parts[2])", "garbage"] {
            #expect((#expect(throws: LicenseError.self) { try License.verify(bad, trustedKeys: [key.publicKey]) })?.code == .malformed, "\(bad)")
        }
        #expect((#expect(throws: LicenseError.self) { try license { $0.environments = ["staging"] }.token(signedWith: key) })?.code == .malformed)
        #expect((#expect(throws: LicenseError.self) { try license().token(signedWith: stranger) })?.code == .unknownKey)
    }

    @Test func keysRoundTripThroughPEM() async throws {
        let restored = try Ed25519.PrivateKey(pem: Array(key.pem.utf8))
        #expect(restored.publicKey == key.publicKey)
        #expect(try Ed25519.PublicKey(pem: Array(key.publicKey.pem.utf8)) == key.publicKey)
        #expect(key.publicKey.keyID.count == 16)
        #expect(throws: LicenseError.self) { try Ed25519.PublicKey(pem: Array("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----".utf8)) }
        let rsa = try await TestRSAPublicKeyPEM()
        #expect(throws: LicenseError.self) { try Ed25519.PublicKey(pem: rsa) }
    }

    func TestRSAPublicKeyPEM() async throws -> [UInt8] {
        // Any non-Ed25519 public key: the RSA key of a minted certificate, exported by OpenSSL.
        let run = try await ExternalTools.run("openssl", ["x509", "-in", TestMaterial.certificate("taxpayer.pem"), "-noout", "-pubkey"])
        #expect(run.status == 0, "\(run.output)")
        return Array(run.standardOutput.utf8)
    }
}

@Suite struct CertificateFactoryTests {
    @Test func mintsACAAndTaxpayerSeal() throws {
        let ca = try CertificateFactory.mint(.init(organization: "Test CA", commonName: "Test CA"), isCA: true, password: "x")
        let seal = try CertificateFactory.mint(.init(organization: "Demo DOO", organizationIdentifier: "VATME-12345678", commonName: "Seal"), issuer: ca, password: "pw")
        #expect(ca.certificate.isCertificateAuthority)
        #expect(!seal.certificate.isCertificateAuthority)
        #expect(seal.certificate.taxpayerTIN?.value == "12345678")
        #expect(seal.certificate.isSigned(by: ca.certificate))
        #expect(seal.certificate.issuer == ca.certificate.subject)
        #expect(seal.certificate.isValid(at: Date()))
        let reopened = try SigningIdentity(pkcs12: seal.pkcs12, password: "pw")
        #expect(reopened.certificate == seal.certificate)
        #expect(reopened.chain.first == ca.certificate)
        #expect((#expect(throws: CertificateError.self) { try SigningIdentity(pkcs12: seal.pkcs12, password: "wrong") })?.code == .wrongPassword)
    }
}

@Suite struct UnpaddedBase64Tests {
    @Test func bothAlphabetsRoundTripAndRefuseTheOther() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0x01]
        #expect(UnpaddedBase64.encode(bytes, .standard) == "+/+/AQ")
        #expect(UnpaddedBase64.encode(bytes, .url) == "-_-_AQ")
        #expect(UnpaddedBase64.decode("+/+/AQ", .standard) == bytes)
        #expect(UnpaddedBase64.decode("-_-_AQ", .url) == bytes)
        #expect(UnpaddedBase64.decode("-_-_AQ", .standard) == nil)
        #expect(UnpaddedBase64.decode("+/+/AQ", .url) == nil)
        #expect(UnpaddedBase64.decode("+/+/AQ==", .standard) == nil, "padding is not part of the form")
        #expect(UnpaddedBase64.decode("", .url) == [])
    }
}
