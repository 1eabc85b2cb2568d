import FiscalCore
import FiscalTesting
import Foundation
import Testing

/// Both commands say which release they are, as operators and support ask first.
@Suite struct VersionTests {
    @Test(arguments: ["fiscal-admin", "fiscal-connector"]) func printsItsVersion(product: String) async throws {
        guard let executable = ExternalTools.built(product) else {
            #expect(!ExternalTools.required, "\(product) was not built")
            return
        }
        let run = try await ExternalTools.run(executable: executable, ["--version"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.status == 0)
        #expect(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == FiscalVersion.current)
    }
}
