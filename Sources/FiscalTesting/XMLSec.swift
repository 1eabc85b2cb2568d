public import Foundation
import FiscalCore

/// Runs the independent `xmlsec1` and `xmllint` tools against our messages.
public enum ExternalTools {
    /// The result of one tool run.
    public struct Run: Sendable {
        /// Exit status.
        public let status: Int32
        /// Standard output and error, together.
        public let output: String
        /// Standard output alone.
        public let standardOutput: String
        /// Standard error alone.
        public let standardError: String
    }

    /// The path of an executable on PATH, if installed.
    public static func find(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The path of one of this package's executables as built for the tests, if it was built.
    public static func built(_ product: String) -> String? {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent(product).path,
            TestMaterial.packageRoot + "/.build/debug/" + product,
        ].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether tests must fail (not skip) when a tool is missing: under CI.
    public static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// Runs `tool` (looked up on PATH) with `arguments`.
    public static func run(_ tool: String, _ arguments: [String]) async throws -> Run {
        guard let path = find(tool) else {
            return Run(status: 127, output: "\(tool) is not installed", standardOutput: "", standardError: "")
        }
        return try await run(executable: path, arguments)
    }

    /// Runs the executable at `path`, feeding `input` on standard input (closed after it) and
    /// replacing the environment when `environment` is given. The wait happens on a thread of
    /// ``BlockingWorkers``: a test waiting for a tool never holds one of Swift concurrency's few
    /// threads, which the in-process servers of other tests need.
    public static func run(executable path: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil) async throws -> Run {
        try await BlockingWorkers.shared.run { try runBlocking(executable: path, arguments, input: input, environment: environment) }
    }

    static func runBlocking(executable path: String, _ arguments: [String], input: Data?, environment: [String: String]?) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let inPipe = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = inPipe
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        // Drain standard error on another thread so neither pipe can fill up and block the tool.
        nonisolated(unsafe) var stderr = Data()
        let drained = DispatchSemaphore(value: 0)
        BlockingWorkers.shared.submit {
            stderr = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        let text = String(decoding: stdout, as: UTF8.self), errors = String(decoding: stderr, as: UTF8.self)
        return Run(status: process.terminationStatus, output: text + errors, standardOutput: text, standardError: errors)
    }

    /// Writes `text` to a new temporary file and returns its path.
    public static func temporaryFile(_ text: String, suffix: String = ".xml") throws -> String {
        let path = NSTemporaryDirectory() + "fiscal-" + UUID().uuidString + suffix
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Verifies an enveloped signature with xmlsec1, trusting `trustedPEM`, registering `Id` as the
    /// ID attribute of `rootElement` in the EFI namespace.
    public static func xmlsecVerify(_ xml: String, rootElement: String, trustedPEM: String) async throws -> Run {
        let file = try temporaryFile(xml)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try await run("xmlsec1", [
            "--verify", "--id-attr:Id", "https://efi.tax.gov.me/fs/schema:\(rootElement)",
            "--trusted-pem", trustedPEM, file,
        ])
    }
}
