public import Foundation

/// A running `fiscal-connector serve` child process, for end-to-end tests.
public final class ConnectorProcess: @unchecked Sendable {
    /// The process.
    public let process = Process()
    /// The port its local API listens on.
    public let port: Int

    /// Starts `serve` and waits (blocking: call it on a worker thread) until it listens; the
    /// configuration should listen on port 0.
    public init(executable: String, config: String, environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--config", config, "--log-level", "notice"]
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let lock = NSLock()
        nonisolated(unsafe) var text = ""
        errors.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            lock.withLock { text += chunk }
        }
        try process.run()
        var found: Int?
        for _ in 0..<600 where found == nil {
            Thread.sleep(forTimeInterval: 0.05)
            let log = lock.withLock { text }
            if let range = log.range(of: #"address=127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(log[range].split(separator: ":").last ?? "")
            }
            if !process.isRunning { break }
        }
        guard let found else {
            process.terminate()
            throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \(lock.withLock { text })"])
        }
        port = found
    }

    /// Kills it hard and waits for it to end (blocking).
    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
