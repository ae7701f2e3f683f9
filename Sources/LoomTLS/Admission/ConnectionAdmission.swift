import CoreMetrics
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Decides which accepted connections a listener keeps, under its ``ConnectionLimits``.
///
/// Install it with ``configureServerChannel(_:)`` from `ServerBootstrap.serverChannelInitializer`: every accepted
/// connection is then checked on the listener's event loop, in accept order, before its pipeline is built. One over
/// a limit is closed at once (nothing is allocated for it), counted in `loom_connections_refused_total{listener,
/// reason}` and logged through a ``RepeatedEventLog``. Listeners with TLS also call
/// ``trackHandshake(of:tls:)`` after adding the ``TLSHandler`` (and pass the admission as its
/// ``TLSRejectionReporter``), so that handshakes are counted and a connection moves from its address's count to its
/// certificate identity's once the handshake completes.
///
/// The same listening socket also gets NIO's `AcceptBackoffHandler`: when `accept` fails for lack of resources
/// (EMFILE, ENFILE, ENOBUFS, ENOMEM) the listener pauses for ``ConnectionLimits/acceptBackoff`` instead of spinning,
/// and the errors are counted in `loom_accept_errors_total{listener,error}` and logged a bounded number of times.
///
/// Metrics: `loom_connections_open{listener}` (gauge), `loom_connections_refused_total{listener,reason}` with reasons
/// `max_connections`, `per_address`, `per_identity`, `max_handshakes`, `loom_tls_handshake_failures_total{listener,
/// reason}` (reasons: ``TLSError/rejectionReason``) and `loom_accept_errors_total{listener,error}`.
public final class ConnectionAdmission: TLSRejectionReporter {
    /// Why a connection was refused.
    public enum Refusal: String, Sendable, CaseIterable {
        /// The process-wide ``ConnectionBudget`` (or this listener's share of it) is used up.
        case maxConnections = "max_connections"
        /// The client's IP address holds ``ConnectionLimits/maxConnectionsPerPeer`` connections.
        case perAddress = "per_address"
        /// The client's certificate identity holds ``ConnectionLimits/maxConnectionsPerPeer`` connections.
        case perIdentity = "per_identity"
        /// ``ConnectionLimits/maxHandshakes`` handshakes are in progress.
        case maxHandshakes = "max_handshakes"
    }

    private struct Connection {
        /// The address this connection counts against, until it counts against an identity.
        var address: String?
        var identity: String?
        var handshaking: Bool
    }

    private struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var perAddress: [String: Int] = [:]
        var perIdentity: [String: Int] = [:]
        var handshakes = 0
    }

    /// The listener's name in metrics and logs (`rpc`, `http`).
    public let listener: String
    /// The limits applied.
    public let limits: ConnectionLimits
    private let expectsHandshake: Bool
    private let state = NIOLockedValueBox(State())
    let logger: Logger
    private let refusals: RepeatedEventLog
    private let rejections: RepeatedEventLog
    let acceptErrors: RepeatedEventLog
    private let refusedCounters: [Refusal: Counter]
    private let openGauge: Gauge

    /// Creates the admission of one listener.
    /// - Parameters:
    ///   - listener: Its name in metrics and logs.
    ///   - limits: What to enforce.
    ///   - tls: Whether its connections start with a TLS handshake (handshakes are then counted and capped).
    ///   - logger: Where refusals, rejected handshakes and accept errors are logged (aggregated).
    ///   - eventLoop: Runs the timers of the aggregated logs.
    public init(listener: String, limits: ConnectionLimits, tls: Bool, logger: Logger, eventLoop: any EventLoop) {
        precondition(limits.maxConnectionsPerPeer > 0 && limits.maxHandshakes > 0, "connection limits must be positive")
        self.listener = listener
        self.limits = limits
        self.expectsHandshake = tls
        var logger = logger
        logger[metadataKey: "listener"] = "\(listener)"
        self.logger = logger
        let interval = limits.logInterval
        self.refusals = RepeatedEventLog(
            message: "connection refused", level: .warning, interval: interval, logger: logger, eventLoop: eventLoop)
        self.rejections = RepeatedEventLog(
            message: "TLS handshake rejected", level: .notice, interval: interval, logger: logger, eventLoop: eventLoop)
        self.acceptErrors = RepeatedEventLog(
            message: "accepting a connection failed", level: .error, interval: interval, logger: logger, eventLoop: eventLoop)
        let factory = limits.metricsFactory ?? MetricsSystem.factory
        var counters: [Refusal: Counter] = [:]
        for refusal in Refusal.allCases {
            counters[refusal] = Counter(
                label: "loom_connections_refused_total", dimensions: [("listener", listener), ("reason", refusal.rawValue)],
                factory: factory)
        }
        self.refusedCounters = counters
        self.openGauge = Gauge(label: "loom_connections_open", dimensions: [("listener", listener)], factory: factory)
    }

    /// The connections this listener holds now.
    public var openConnections: Int { state.withLockedValue { $0.connections.count } }

    /// The connections of this listener whose TLS handshake is in progress.
    public var pendingHandshakes: Int { state.withLockedValue { $0.handshakes } }

    // MARK: Admission

    /// Admits `channel` (just accepted) or says why not; an admitted channel is released when it closes.
    func admit(_ channel: any Channel) -> Refusal? {
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress
        let refusal = state.withLockedValue { state -> Refusal? in
            if let address, state.perAddress[address, default: 0] >= limits.maxConnectionsPerPeer { return .perAddress }
            if expectsHandshake, state.handshakes >= limits.maxHandshakes { return .maxHandshakes }
            if let budget = limits.budget, budget.acquire(listener: listener) == nil { return .maxConnections }
            if let address { state.perAddress[address, default: 0] += 1 }
            if expectsHandshake { state.handshakes += 1 }
            state.connections[id] = Connection(address: address, identity: nil, handshaking: expectsHandshake)
            return nil
        }
        if let refusal {
            refused(refusal, peer: address ?? "unknown")
            return refusal
        }
        openGauge.record(openConnections)
        channel.closeFuture.whenComplete { [self] _ in release(id) }
        return nil
    }

    private func release(_ id: ObjectIdentifier) {
        let released = state.withLockedValue { state -> Bool in
            guard let connection = state.connections.removeValue(forKey: id) else { return false }
            if let address = connection.address { Self.decrement(&state.perAddress, address) }
            if let identity = connection.identity { Self.decrement(&state.perIdentity, identity) }
            if connection.handshaking { state.handshakes -= 1 }
            return true
        }
        guard released else { return }
        if let budget = limits.budget { _ = budget.release(listener: listener) }
        openGauge.record(openConnections)
    }

    private static func decrement(_ counts: inout [String: Int], _ key: String) {
        let remaining = (counts[key] ?? 1) - 1
        counts[key] = remaining > 0 ? remaining : nil
    }

    private func refused(_ refusal: Refusal, peer: String) {
        refusedCounters[refusal]?.increment()
        let limit: Int
        switch refusal {
        case .maxConnections: limit = limits.budget?.listenerLimit ?? .max
        case .perAddress, .perIdentity: limit = limits.maxConnectionsPerPeer
        case .maxHandshakes: limit = limits.maxHandshakes
        }
        refusals.record(reason: refusal.rawValue, metadata: ["peer": "\(peer)", "limit": "\(limit)"])
    }

    // MARK: Handshakes

    /// Counts `channel`'s TLS handshake until it ends; once it succeeds, the connection counts against the client's
    /// certificate identity instead of its address, and is closed if that identity already holds
    /// ``ConnectionLimits/maxConnectionsPerPeer`` connections. Call it right after adding `tls` to the pipeline.
    public func trackHandshake(of channel: any Channel, tls: TLSHandler) {
        let id = ObjectIdentifier(channel)
        tls.handshakeFuture.whenComplete { [self] result in
            guard case .success(let handshake) = result else {
                handshakeEnded(id)
                return
            }
            let identity = handshake.peerIdentity?.value
            let refusal = state.withLockedValue { state -> Refusal? in
                guard var connection = state.connections[id], connection.handshaking else { return nil }
                connection.handshaking = false
                state.handshakes -= 1
                defer { state.connections[id] = connection }
                guard let identity else { return nil }
                if state.perIdentity[identity, default: 0] >= limits.maxConnectionsPerPeer { return .perIdentity }
                state.perIdentity[identity, default: 0] += 1
                connection.identity = identity
                if let address = connection.address { Self.decrement(&state.perAddress, address) }
                connection.address = nil
                return nil
            }
            if let refusal, let identity {
                refused(refusal, peer: identity)
                channel.close(promise: nil)
            }
        }
    }

    /// The handshake of connection `id` failed: it no longer counts as one in progress.
    private func handshakeEnded(_ id: ObjectIdentifier) {
        state.withLockedValue { state in
            guard state.connections[id]?.handshaking == true else { return }
            state.connections[id]?.handshaking = false
            state.handshakes -= 1
        }
    }

    /// Counts a rejected handshake in `loom_tls_handshake_failures_total{listener,reason}` and logs it, aggregated.
    /// The connection stops counting as a handshake in progress at once.
    public func handshakeRejected(_ error: TLSError, channel: any Channel) {
        handshakeEnded(ObjectIdentifier(channel))
        let peerAddress = channel.remoteAddress
        let reason = error.rejectionReason
        let factory = limits.metricsFactory ?? MetricsSystem.factory
        Counter(label: "loom_tls_handshake_failures_total", dimensions: [("listener", listener), ("reason", reason)], factory: factory)
            .increment()
        rejections.record(reason: reason, metadata: Self.details(error, peerAddress: peerAddress))
    }

    private static func details(_ error: TLSError, peerAddress: SocketAddress?) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["tls.error": "\(error.code)", "tls.reason": "\(error.reason)"]
        if let peerAddress { metadata["tls.peer_address"] = "\(peerAddress)" }
        if !error.openSSLErrors.isEmpty { metadata["tls.openssl"] = "\(error.openSSLErrors.joined(separator: "; "))" }
        return metadata
    }
}
