public import FiscalCore
public import Hummingbird
public import Logging
import NIOCore

/// Serves a ``TaxAuthoritySimulator`` over real HTTP on a local address.
public final class SimulatorServer: Sendable {
    /// The simulator behind the server.
    public let simulator: TaxAuthoritySimulator
    /// The port it listens on.
    public let port: Int
    /// The endpoint URL to configure in the connector.
    public var url: String { "http://127.0.0.1:\(port)/fs-v1" }
    private let task: Task<Void, any Error>

    private init(simulator: TaxAuthoritySimulator, port: Int, task: Task<Void, any Error>) {
        self.simulator = simulator
        self.port = port
        self.task = task
    }

    /// The simulator as an HTTP application on 127.0.0.1:`port` (0 picks a free port), to run as a
    /// `Service` (`fiscal-connector simulator`); `onRunning` receives the bound port.
    public static func application(_ simulator: TaxAuthoritySimulator, port: Int, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let (status, text) = await simulator.handle(Array(buffer: body))
            return Response(
                status: HTTPResponse.Status(code: status),
                headers: [.contentType: status == 503 ? "text/plain" : "text/xml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        router.post("fs-v1", use: handler)
        router.post("fs-v1/FiscalizationService.wsdl", use: handler)
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "efi-simulator"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// Starts serving on 127.0.0.1 (port 0 picks a free port) and returns once it listens.
    public static func start(_ simulator: TaxAuthoritySimulator, port: Int = 0) async throws -> SimulatorServer {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "efi-simulator")
        logger.logLevel = .critical
        let app = application(simulator, port: port, logger: logger) { bound in
            continuation.yield(bound)
            continuation.finish()
        }
        let task = Task {
            defer { continuation.finish() } // a failure to listen (port taken) ends the wait below
            try await app.run()
        }
        var bound = 0
        for await value in stream { bound = value }
        guard bound > 0 else {
            task.cancel()
            let reason = await task.result
            throw SimulatorError(.cannotListen, "the simulated tax authority could not listen on 127.0.0.1:\(port): \(reason)", source: "127.0.0.1:\(port)")
        }
        return SimulatorServer(simulator: simulator, port: bound, task: task)
    }

    /// Stops serving; the port is free when this returns.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// The simulator could not start.
public struct SimulatorError: CodedError {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        /// The port is taken or not allowed.
        case cannotListen
        /// The state file exists but this user cannot read it.
        case stateUnreadable
        /// The state file is not the JSON the simulator writes.
        case stateDamaged
    }

    /// What went wrong.
    public let code: Code
    /// A sentence naming the port or file and the fix.
    public let message: String
    /// The address or state file the failure is about.
    public let source: String

    /// Creates an error.
    public init(_ code: Code, _ message: String, source: String) {
        self.code = code
        self.message = message
        self.source = source
    }
}
