import FiscalCore
import MontenegroFiscal
public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// `serve`'s companion on an enrolled device: asks the admin server for the device's profile at
/// start and then every `refresh_seconds`, applies a new revision to the folder, switches the
/// running connector to it, and reports a heartbeat.
///
/// The switch builds a new ``Connector`` from the rewritten `connector.toml` with every start-up
/// check (certificate, license, environment) and hands it to the ``ConnectorHolder``: the next
/// request uses it, calls already running finish on the previous one, and both share the one
/// open journal. A configuration that fails its checks is not switched to: the previous connector
/// keeps working and the reason is logged (and tried again every round).
public final class ProfileRefreshService: Service {
    /// The enrolled folder.
    let enrolment: DeviceEnrolment
    /// Where the running connector is swapped.
    let connectors: ConnectorHolder
    /// Variables the configuration may name (a password environment variable).
    let environment: [String: String]
    /// Where rounds are reported.
    let logger: Logger
    /// Seconds to wait for the admin server.
    let timeoutSeconds: Double
    /// The revision the holder's current connector was built from.
    private let revisionInUse: Mutex<String?>

    /// Creates the refresher; `connectors` holds a connector built from the folder's
    /// `connector.toml` as it is now. `environment` supplies variables the configuration names.
    public init(enrolment: DeviceEnrolment, connectors: ConnectorHolder, environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger, timeoutSeconds: Double = 5) {
        self.enrolment = enrolment
        self.connectors = connectors
        self.environment = environment
        self.logger = logger
        self.timeoutSeconds = timeoutSeconds
        revisionInUse = Mutex(try? enrolment.record().revision)
    }

    /// Refreshes at start, then every `refresh_seconds` of the applied profile, until shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await refreshNow()
            let seconds = max(1, (try? enrolment.record().refreshSeconds) ?? 300)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
        }
    }

    /// One round: fetch and apply the profile, switch the connector when the folder holds a
    /// revision it does not run yet (applied now, or by another command), send the heartbeat.
    @discardableResult
    public func refreshNow() async -> ProfileRefresh {
        let outcome = await enrolment.refreshProfile(timeoutSeconds: timeoutSeconds)
        switch outcome {
        case .applied(let summary):
            logger.notice("Applied a new profile from the admin server.", metadata: ["revision": "\(summary.revision.prefix(12))", "environment": "\(summary.environment)"])
            for note in summary.missing { logger.warning("The profile is incomplete: \(note)") }
        case .unchanged(let revision):
            logger.debug("The profile is unchanged.", metadata: ["revision": "\(revision.prefix(12))"])
        case .cached:
            logger.warning("\(outcome.warning ?? "")")
        case .refused:
            // The admin server no longer knows this device's token (replaced, or the device retired).
            logger.error("\(outcome.warning ?? "")")
            connectors.suspend("fiscal-admin no longer accepts this device (its enrolment token was replaced or the device retired): new invoices are refused; enrol again with a new token")
        case .failed:
            logger.error("\(outcome.warning ?? "")")
        }
        await switchIfNeeded()
        switch outcome {
        case .applied, .unchanged:
            await sendHeartbeat()
        case .cached, .refused, .failed:
            break
        }
        return outcome
    }

    /// Builds a connector from the folder's configuration when its revision differs from the one in use.
    private func switchIfNeeded() async {
        guard let record = try? enrolment.record(), record.revision != revisionInUse.withLock({ $0 }) else { return }
        let path = enrolment.configurationPath
        let previous = connectors.current
        let environment = self.environment
        let built: Result<Connector, any Error> = await BlockingWorkers.shared.run {
            Result { try Connector(configuration: ConnectorConfiguration.load(path: path), environment: environment, succeeding: previous) }
        }
        switch built {
        case .success(let next):
            connectors.replace(with: next)
            revisionInUse.withLock { $0 = record.revision }
            logger.notice("Switched to the new configuration; the next request uses it.", metadata: [
                "revision": "\(record.revision.prefix(12))", "environment": "\(next.configuration.taxAuthority.environment.rawValue)",
                "endpoint": "\(next.configuration.taxAuthority.url)",
            ])
        case .failure(let error):
            // A profile without a license means fiscal-admin revoked it (or let it lapse): stop issuing.
            if (try? ConnectorConfiguration.load(path: path))?.license.token == nil {
                connectors.suspend("fiscal-admin revoked this device's license: new invoices are refused until the integrator issues a new one")
                logger.error("The device's license was revoked: new invoices are refused; pending documents are still delivered.", metadata: ["revision": "\(record.revision.prefix(12))"])
                return
            }
            logger.error("The new configuration cannot be used; the previous one stays in use.", metadata: ["revision": "\(record.revision.prefix(12))", "reason": "\(error)"])
        }
    }

    private func sendHeartbeat() async {
        do {
            let report = try await connectors.current.heartbeat()
            try await enrolment.sendHeartbeat(report, timeoutSeconds: timeoutSeconds)
        } catch {
            logger.warning("Cannot report to the admin server.", metadata: ["reason": "\(error)"])
        }
    }
}
