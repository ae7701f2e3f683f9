import CoreMetrics
import NIOCore

/// How many connections a listener accepts, and from whom (see ``ConnectionAdmission``).
///
/// The defaults limit nothing but still back off when accepting fails for lack of file descriptors, and still
/// aggregate the logs of refused connections and rejected handshakes.
public struct ConnectionLimits: Sendable {
    /// The process-wide budget this listener draws from; `nil` sets no overall limit.
    public var budget: ConnectionBudget?
    /// Connections one peer may hold on this listener: counted per client IP address until the TLS handshake
    /// completes (for the connection's whole life when there is no handshake or the client presents no
    /// certificate), then per certificate identity. One more is closed at once.
    public var maxConnectionsPerPeer: Int = .max
    /// Connections of this listener whose TLS handshake has not completed yet (clients that connect and send no
    /// ClientHello hold one each until the handshake timeout). One more is closed at once. Ignored without TLS.
    public var maxHandshakes: Int = .max
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
