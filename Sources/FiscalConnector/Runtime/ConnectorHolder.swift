import Synchronization

/// The ``Connector`` that `serve` works with now. The local API and the deliverer ask it for the
/// current connector at every request and round; the profile refresher puts a new one in when
/// the admin server sends a new configuration, so the next invoice uses it without a restart.
/// A call already running keeps the connector it started with until it finishes.
///
/// When the environment changes (test to production), the previous connector is kept as a
/// deliverer until the documents it issued in its environment are delivered: they belong to that
/// environment's endpoint, signed with its certificate.
public final class ConnectorHolder: Sendable {
    private struct State {
        var current: Connector
        var retired: [Connector] = []
        var suspension: String?
    }

    private let state: Mutex<State>

    /// Holds `connector` as the current one.
    public init(_ connector: Connector) {
        state = Mutex(State(current: connector))
    }

    /// The connector new calls use.
    public var current: Connector { state.withLock { $0.current } }

    /// Makes `next` the current connector; the previous one stays as a deliverer while its
    /// environment differs and still has pending documents (``DeliveryService`` lets it go).
    public func replace(with next: Connector) {
        state.withLock { state in
            let previous = state.current
            let environment = { (connector: Connector) in connector.configuration.taxAuthority.environment }
            state.retired.removeAll { environment($0) == environment(next) }
            if environment(previous) != environment(next) {
                state.retired.removeAll { environment($0) == environment(previous) }
                state.retired.append(previous)
            }
            state.current = next
            state.suspension = nil
        }
    }

    /// Why new invoices and deposits are refused, when fiscal-admin withdrew this device's
    /// authorization (license revoked, device retired, token replaced); pending documents are
    /// still delivered. `nil` while the device may issue.
    public var suspension: String? { state.withLock { $0.suspension } }

    /// Refuses new invoices and deposits until a usable configuration replaces the current one.
    public func suspend(_ reason: String) {
        state.withLock { $0.suspension = reason }
    }

    /// The connectors whose pending documents are delivered: the current one first.
    public var deliverers: [Connector] { state.withLock { [$0.current] + $0.retired } }

    /// Stops delivering with a previous connector whose documents are all delivered.
    func dismiss(_ connector: Connector) {
        state.withLock { state in state.retired.removeAll { $0 === connector } }
    }
}
