import FiscalAdmin
import FiscalCore
import FiscalTesting
import Foundation
import Testing

@Suite struct ProductionChecklistTests {
    static let key = Ed25519.PrivateKey.generate()
    let now = ISOTime.date("2026-11-21T10:00:00+01:00")!

    func certificate(_ name: String) throws -> Certificate {
        try SigningIdentity(contentsOf: TestMaterial.certificate(name), password: TestMaterial.password).certificate
    }

    func license(tin: String = "12345678", environments: [String] = ["test", "production"], expires: String = "2027-12-31") throws -> License {
        try LicenseAuthority.issue(key: Self.key, tin: tin, businessUnit: "bb123bb123", device: "cc123cc123", environments: environments,
                                   expires: FiscalDate(expires)!, issued: FiscalDate("2026-01-01")!).license
    }

    func facts(certificate: Certificate?, license: License?, tcr: String? = "cc123cc123", software: String? = "ss123ss123", operatorCode: String? = "oo123oo123",
               tests: Int? = 3) -> ProductionChecklist.Facts {
        .init(clientTIN: "12345678", clientVerified: true, certificate: certificate, businessUnitCode: "bb123bb123", tcrCode: tcr, softwareCode: software,
              maintainerCode: "mm123mm123", operatorCode: operatorCode, license: license, testInvoicesFiscalized: tests)
    }

    func status(_ list: ProductionChecklist, _ check: ProductionChecklist.Check) -> ProductionChecklist.Status? {
        list.items.first { $0.check == check }?.status
    }

    @Test func allGreenWhenEverythingHolds() throws {
        let list = ProductionChecklist(facts(certificate: try certificate("taxpayer-modern.p12"), license: try license()), at: now)
        #expect(list.isGreen, "\(list.failures)")
        #expect(list.items.map(\.check) == ProductionChecklist.Check.allCases)
        #expect(list.items.allSatisfy { $0.status == .passed })
    }

    @Test func noReportedTestInvoiceIsNotGreen() throws {
        let list = ProductionChecklist(facts(certificate: try certificate("taxpayer-modern.p12"), license: try license(), tests: nil), at: now)
        #expect(!list.isGreen)
        #expect(list.failures.map(\.check) == [.testInvoice])
        #expect(list.failures[0].detail.contains("has not reported a test invoice"))
        let none = ProductionChecklist(facts(certificate: try certificate("taxpayer-modern.p12"), license: try license(), tests: 0), at: now)
        #expect(!none.isGreen)
        #expect(none.failures.map(\.check) == [.testInvoice])
    }

    @Test func eachFailureIsNamedWithItsFix() throws {
        let missing = ProductionChecklist(facts(certificate: nil, license: nil, tcr: nil, software: "SS123ss123"), at: now)
        #expect(missing.failures.map(\.check) == [.certificateValid, .certificateTIN, .registrationCodes, .licenseAllowsProduction])
        let codes = missing.failures.first { $0.check == .registrationCodes }!.detail
        #expect(codes.contains("TCR code is missing") && codes.contains("software code \"SS123ss123\""))

        let noOperator = ProductionChecklist(facts(certificate: try certificate("taxpayer-modern.p12"), license: try license(), operatorCode: nil), at: now)
        #expect(noOperator.failures.map(\.check) == [.registrationCodes])
        #expect(noOperator.failures[0].detail.contains("operator code is missing"))

        let expired = ProductionChecklist(facts(certificate: try certificate("expired.p12"), license: try license()), at: now)
        #expect(expired.failures.map(\.check) == [.certificateValid])
        #expect(expired.failures[0].detail.contains("expired"))

        let other = ProductionChecklist(facts(certificate: try certificate("other-tin.p12"), license: try license()), at: now)
        #expect(other.failures.map(\.check) == [.certificateTIN])
        #expect(other.failures[0].detail.contains("87654321"))

        let noTIN = ProductionChecklist(facts(certificate: try certificate("no-tin.p12"), license: try license()), at: now)
        #expect(noTIN.failures.map(\.check) == [.certificateTIN])

        let testOnly = ProductionChecklist(facts(certificate: try certificate("taxpayer-modern.p12"), license: try license(environments: ["test"])), at: now)
        #expect(testOnly.failures.map(\.check) == [.licenseAllowsProduction])
        #expect(testOnly.failures[0].detail.contains("production"))

        let lapsed = ProductionChecklist(facts(certificate: try certificate("taxpayer-modern.p12"), license: try license(expires: "2026-11-20")), at: now)
        #expect(lapsed.failures.map(\.check) == [.licenseAllowsProduction])

        let foreign = ProductionChecklist(facts(certificate: try certificate("taxpayer-modern.p12"), license: try license(tin: "87654321")), at: now)
        #expect(foreign.failures.map(\.check) == [.licenseAllowsProduction])
    }

    @Test func expiryWarningsAt60_30_15_7DaysAndOnExpiry() {
        let end = now
        func due(daysBefore: Double) -> ExpiryWarning? { ExpiryWarning.due(notAfter: end, at: end.addingTimeInterval(-daysBefore * 86400)) }
        #expect(due(daysBefore: 61) == nil)
        #expect(due(daysBefore: 60) == .days60)
        #expect(due(daysBefore: 31) == .days60)
        #expect(due(daysBefore: 30) == .days30)
        #expect(due(daysBefore: 15) == .days15)
        #expect(due(daysBefore: 8) == .days15)
        #expect(due(daysBefore: 7) == .days7)
        #expect(due(daysBefore: 0.5) == .days7)
        #expect(due(daysBefore: -0.01) == .expired)
        #expect(ExpiryWarning.days60 < .days7 && .days7 < .expired)
    }
}
