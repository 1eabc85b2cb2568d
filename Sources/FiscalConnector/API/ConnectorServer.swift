public import Hummingbird
public import Logging
import FiscalCore
import FiscalQueue
import MontenegroFiscal
import NIOCore
public import ServiceLifecycle

/// Redelivers pending documents in the background and warns as their deadline approaches.
/// Each round works with the holder's current connector (and with a previous one until the
/// documents of its environment are delivered).
public struct DeliveryService: Service {
    /// Where each round finds the connectors to deliver with.
    let connectors: ConnectorHolder
    let logger: Logger
    let interval: Duration

    /// Creates the service; it looks for due documents every `interval`.
    public init(connector: Connector, logger: Logger, interval: Duration = .seconds(5)) {
        self.init(connectors: ConnectorHolder(connector), logger: logger, interval: interval)
    }

    /// Creates the service for the connectors `serve` switches between.
    public init(connectors: ConnectorHolder, logger: Logger, interval: Duration = .seconds(5)) {
        self.connectors = connectors
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        var lastWarning: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let deliverers = connectors.deliverers
            for (index, connector) in deliverers.enumerated() {
                let report: Connector.DeliveryReport
                do {
                    report = try await connector.deliverPending()
                } catch {
                    logger.error("Cannot read the journal to deliver pending documents.", metadata: ["error": "\(error)"])
                    continue
                }
                for reference in report.fiscalized { logger.info("Delivered a pending document.", metadata: ["reference": "\(reference)"]) }
                for reference in report.rejected { logger.error("The tax authority refused a pending document.", metadata: ["reference": "\(reference)"]) }
                for reference in report.stillPending {
                    let attempt = (try? await connector.journal.entry(reference: reference))?.lastAttempt
                    let reason = attempt.map { last in
                        last.faultCode.map { "fault \($0): \(last.faultMessage ?? "")" } ?? last.detail ?? last.failure ?? "no answer"
                    } ?? "unknown"
                    logger.warning("A delivery attempt failed; the document stays pending.", metadata: ["reference": "\(reference)", "reason": "\(reason)"])
                }
                if index > 0, report.stillPending.isEmpty, report.waiting.isEmpty {
                    connectors.dismiss(connector)
                    logger.info("Delivered every document of the previous environment.", metadata: ["environment": "\(connector.configuration.taxAuthority.environment.rawValue)"])
                }
            }
            var checkpointed: Set<String> = []
            for connector in deliverers where checkpointed.insert(connector.journal.path).inserted {
                let journal = connector.journal
                await BlockingWorkers.shared.run { try? journal.checkpoint() }
            }
            let connector = connectors.current
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
    /// How long a connection may stay silent (sending a request's head or body, or between
    /// requests) before it is closed, so half-sent requests cannot hold connections open.
    public static let readTimeout: Duration = .seconds(30)

    /// The application serving the local API on `host:port` (port 0 picks a free one), with the
    /// deliverer running beside it. `onRunning` receives the bound port.
    public static func application(connector: Connector, token: String, host: String, port: Int, logger: Logger,
                                   deliveryInterval: Duration = .seconds(5), readTimeout: Duration = ConnectorServer.readTimeout,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        application(connectors: ConnectorHolder(connector), token: token, host: host, port: port, logger: logger,
                    deliveryInterval: deliveryInterval, readTimeout: readTimeout, onRunning: onRunning)
    }

    /// The same for connectors that change while it runs (an enrolled device): the API and the
    /// deliverer use the holder's current connector; `services` run beside them (the profile
    /// refresher that swaps it).
    public static func application(connectors: ConnectorHolder, token: String, host: String, port: Int, logger: Logger,
                                   deliveryInterval: Duration = .seconds(5), services: [any Service] = [], readTimeout: Duration = ConnectorServer.readTimeout,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: LocalAPI.router(connectors: connectors, token: token, logger: logger),
            server: .http1(configuration: .init(idleTimeout: TimeAmount(readTimeout))),
            configuration: .init(address: .hostname(host, port: port), serverName: "fiscal-connector"),
            services: [DeliveryService(connectors: connectors, logger: logger, interval: deliveryInterval)] + services,
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
