import FiscalConnector
import Foundation

/// Runs schemathesis (`st`, the version pinned in `.ci/run`) against a server of the tests and
/// the OpenAPI document it serves: every check, a fixed seed, a bounded number of examples.
public enum Schemathesis {
    static let gate = SerialGate()

    /// What one run reported.
    public struct Outcome: Sendable {
        /// The tool's exit status and output.
        public let run: ExternalTools.Run
        /// Test cases generated, as the tool counted them ("N generated").
        public let cases: Int
    }

    /// Runs `st run` on the document at `document` (a URL) against `base`, with `headers`
    /// (`Name: value`) on every request and `configuration` as its `schemathesis.toml`
    /// (per-operation settings). `nil` when `st` is not installed and the tests are not under CI.
    public static func run(document: String, base: String, headers: [String], maxExamples: Int, seed: Int = 20261121,
                           configuration: String = "") async throws -> Outcome? {
        guard let tool = ExternalTools.find("st") else {
            if ExternalTools.required { return Outcome(run: .init(status: 127, output: "st (schemathesis) is not installed: pip install schemathesis==4.32.5", standardOutput: "", standardError: ""), cases: 0) }
            return nil
        }
        // No cache of crashes in the working directory (the package's root).
        let config = try ExternalTools.temporaryFile("[cache]\nenabled = false\n\n" + configuration, suffix: ".toml")
        defer { try? FileManager.default.removeItem(atPath: config) }
        let environment = ProcessInfo.processInfo.environment.merging(["NO_COLOR": "1"]) { $1 }
        let arguments: [String] = [
            "--config-file", config, "run", document, "--url", base,
            "--checks", "all", "--seed", String(seed), "--max-examples", String(maxExamples),
            "--generation-database", "none", "--workers", "1",
            "--request-timeout", "20", "--no-color",
        ] + headers.flatMap { ["--header", $0] }
        // One run at a time: each keeps a core busy for most of a minute beside the other tests.
        let result = await gate.run { () async -> Result<ExternalTools.Run, any Error> in
            do { return .success(try await ExternalTools.run(executable: tool, arguments, environment: environment)) } catch { return .failure(error) }
        }
        let run = try result.get()
        let cases = run.standardOutput.firstMatch(of: /([0-9]+) generated/).flatMap { Int($0.1) } ?? 0
        return Outcome(run: run, cases: cases)
    }
}
