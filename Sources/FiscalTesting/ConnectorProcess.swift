public import Foundation

/// A running `fiscal-connector serve` (or `simulator`) child process, for end-to-end tests.
public final class ConnectorProcess: @unchecked Sendable {
    /// The process.
    public let process = Process()
    /// The port it listens on.
    public let port: Int

    /// Starts `serve` and waits (blocking: call it on a worker thread) until it listens; the
    /// configuration should listen on port 0.
    public convenience init(executable: String, config: String, environment: [String: String]) throws {
        try self.init(executable: executable, arguments: ["serve", "--config", config, "--log-level", "notice"], environment: environment)
    }

    /// Starts the executable with `arguments` and waits (blocking) until it logs the address it
    /// listens on (`address=127.0.0.1:PORT`).
    public init(executable: String, arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
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
            throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "\(arguments.first ?? "") did not start: \(lock.withLock { text })"])
        }
        port = found
    }

    /// Asks it to stop as Ctrl-C does (SIGINT), waits for it to end (blocking) and returns its exit status.
    public func interrupt() -> Int32 {
        process.interrupt()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Kills it hard and waits for it to end (blocking).
    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
