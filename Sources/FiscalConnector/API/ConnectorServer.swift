public import Hummingbird
public import Logging
import FiscalCore
import NIOCore
public import ServiceLifecycle

/// Redelivers pending documents in the background and warns as their deadline approaches.
public struct DeliveryService: Service {
    let connector: Connector
    let logger: Logger
    let interval: Duration

    /// Creates the service; it looks for due documents every `interval`.
    public init(connector: Connector, logger: Logger, interval: Duration = .seconds(5)) {
        self.connector = connector
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        var lastWarning: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let report: Connector.DeliveryReport
            do {
                report = try await connector.deliverPending()
            } catch {
                logger.error("Cannot read the journal to deliver pending documents.", metadata: ["error": "\(error)"])
                report = Connector.DeliveryReport()
            }
            let journal = connector.journal
            await BlockingWorkers.shared.run { try? journal.checkpoint() }
            for reference in report.fiscalized { logger.info("Delivered a pending document.", metadata: ["reference": "\(reference)"]) }
            for reference in report.rejected { logger.error("The tax authority refused a pending document.", metadata: ["reference": "\(reference)"]) }
            if lastWarning.map({ ContinuousClock.now - $0 > .seconds(900) }) ?? true, let status = try? await connector.status() {
                for warning in status.warnings { logger.warning("\(warning)") }
                lastWarning = ContinuousClock.now
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

/// `fiscal-connector serve`: the local API and the background deliverer in one service group.
public enum ConnectorServer {
    /// The application serving the local API on `host:port` (port 0 picks a free one), with the
    /// deliverer running beside it. `onRunning` receives the bound port.
    public static func application(connector: Connector, token: String, host: String, port: Int, logger: Logger,
                                   deliveryInterval: Duration = .seconds(5),
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: LocalAPI.router(connector: connector, token: token),
            configuration: .init(address: .hostname(host, port: port), serverName: "fiscal-connector"),
            services: [DeliveryService(connector: connector, logger: logger, interval: deliveryInterval)],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
