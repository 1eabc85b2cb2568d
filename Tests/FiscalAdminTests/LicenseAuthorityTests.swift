import FiscalAdmin
import FiscalCore
import FiscalTesting
import Foundation
import Testing

@Suite struct LicenseAuthorityTests {
    @Test func keygenIssueVerify() throws {
        let folder = NSTemporaryDirectory() + "license-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let publicKey = try LicenseAuthority.generateKeys(in: folder)
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/license-authority.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(throws: LicenseError.self) { try LicenseAuthority.generateKeys(in: folder) }
        let key = try LicenseAuthority.privateKey(at: folder + "/license-authority.key")
        #expect(key.publicKey == publicKey)
        let (license, token) = try LicenseAuthority.issue(key: key, tin: "12345678", businessUnit: "xx123xx123", device: "si747we972",
                                                          environments: ["test", "production"], expires: FiscalDate(year: 2030, month: 1, day: 1)!)
        let verified = try License.verify(token, trustedKeys: [try LicenseAuthority.publicKey(at: folder + "/license-authority.pub")])
        #expect(verified == license)
        #expect(throws: LicenseError.self) {
            try LicenseAuthority.issue(key: key, tin: "1", businessUnit: "xx123xx123", device: "si747we972", environments: ["test"], expires: FiscalDate(year: 2030, month: 1, day: 1)!)
        }
        #expect(throws: LicenseError.self) { try LicenseAuthority.privateKey(at: folder + "/missing.key") }
    }
}
