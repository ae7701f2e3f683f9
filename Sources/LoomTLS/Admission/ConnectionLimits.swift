import CoreMetrics
import NIOCore

/// How many connections a listener accepts, and from whom (see ``ConnectionAdmission``).
///
/// The defaults limit nothing but still back off when accepting fails for lack of file descriptors, and still
/// aggregate the logs of refused connections and rejected handshakes.
public struct ConnectionLimits: Sendable {
    /// The process-wide budget this listener draws from; `nil` sets no overall limit. When it is used up, a newcomer
    /// takes the place of this listener's oldest connection still in its TLS handshake, if any; otherwise it is
    /// closed at once (or admitted to the ``probeLane``).
    public var budget: ConnectionBudget?
    /// Connections one peer may hold on this listener: counted per client IP address until the TLS handshake
    /// completes (for the connection's whole life when there is no handshake or the client presents no
    /// certificate), then per certificate identity. One more is closed at once.
    public var maxConnectionsPerPeer: Int = .max
    /// Connections of this listener whose TLS handshake has not completed yet (clients that connect and send no
    /// ClientHello hold one each until the handshake timeout). A connection over it closes the one that has waited
    /// longest for its handshake, so silent clients cannot lock new ones out. Ignored without TLS.
    public var maxHandshakes: Int = .max
    /// Connections admitted past the budget for health probes only (default 0: none). When the budget refuses a
    /// connection it takes one of these instead, and the listener restricts what it may do (the shim: one `GET` of
    /// `/healthz`, `/readyz` or `/metrics`, within 2 s; ``ConnectionAdmission/isProbeOnly(_:)``). When they are all
    /// taken, the one admitted first is closed to make room, so a flood cannot lock probes out.
    public var probeLane: Int = 0
    /// How long repeated refusals, rejected handshakes and accept errors are counted before one summary line per
    /// reason (see ``RepeatedEventLog``). Default 60 s.
    public var logInterval: TimeAmount = .seconds(60)
    /// How long the listener stops accepting after `accept` fails for lack of resources (EMFILE, ENFILE, ENOBUFS,
    /// ENOMEM), so a full descriptor table does not spin the event loop. Default 1 s.
    public var acceptBackoff: TimeAmount = .seconds(1)
    /// Where the connection metrics go; `nil` uses the global `MetricsSystem.factory`.
    public var metricsFactory: (any MetricsFactory)?

    /// No limits (see the properties for what each one does).
    public init(
        budget: ConnectionBudget? = nil,
        maxConnectionsPerPeer: Int = .max,
        maxHandshakes: Int = .max
    ) {
        self.budget = budget
        self.maxConnectionsPerPeer = maxConnectionsPerPeer
        self.maxHandshakes = maxHandshakes
    }
}
