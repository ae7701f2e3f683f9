import CoreMetrics
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Decides which accepted connections a listener keeps, under its ``ConnectionLimits``.
///
/// Install it with ``configureServerChannel(_:)`` from `ServerBootstrap.serverChannelInitializer`: every accepted
/// connection is then checked on the listener's event loop, in accept order, before its pipeline is built. One over
/// a limit is closed at once (nothing is allocated for it), counted in `loom_connections_refused_total{listener,
/// reason}` and logged through a ``RepeatedEventLog`` — except at the handshake limit, where the connection that has
/// waited longest for its handshake is closed instead, to make room. A listener with a ``ConnectionLimits/probeLane``
/// keeps a few connections past the budget for health probes (see ``isProbeOnly(_:)``). Listeners with TLS also call
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
        /// The process-wide ``ConnectionBudget`` (or this listener's share of it) is used up; or, at the budget, this
        /// connection had waited longest for its TLS handshake and was closed to make room for a newcomer.
        case maxConnections = "max_connections"
        /// The client's IP address holds ``ConnectionLimits/maxConnectionsPerPeer`` connections.
        case perAddress = "per_address"
        /// The client's certificate identity holds ``ConnectionLimits/maxConnectionsPerPeer`` connections.
        case perIdentity = "per_identity"
        /// ``ConnectionLimits/maxHandshakes`` handshakes were in progress and a newer connection came: this one had
        /// waited longest for its handshake, and was closed to make room.
        case maxHandshakes = "max_handshakes"
    }

    private struct Connection {
        let channel: any Channel
        /// The address this connection counts against, until it counts against an identity.
        var address: String?
        var identity: String?
        var handshaking: Bool
        /// Has sent at least one byte (a client that has not is the first to make room for a newcomer).
        var spoke = false
        /// Holds a part of the budget (given back when it closes, or passed on when it is evicted for a newcomer).
        var holdsBudget: Bool
        /// Admitted past the budget, for health probes only.
        let probeOnly: Bool
        /// Counted in the probe lane (until it is evicted from it).
        var inProbeLane: Bool
    }

    private struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var perAddress: [String: Int] = [:]
        var perIdentity: [String: Int] = [:]
        var handshakes = 0
        /// Connections in the order their handshakes began. Entries whose handshake has ended are skipped when
        /// met, and dropped when they outnumber the live ones.
        var handshakeOrder = CircularBuffer<ObjectIdentifier>()
        /// The same, for the connections that have not sent a byte yet.
        var silentOrder = CircularBuffer<ObjectIdentifier>()
        /// Connections of the probe lane, oldest first (entries of closed ones are skipped when met).
        var probeOrder = CircularBuffer<ObjectIdentifier>()
        var probes = 0

        /// Ends the handshake of `id`, if it is in progress; returns whether it was.
        mutating func endHandshake(_ id: ObjectIdentifier) -> Bool {
            guard connections[id]?.handshaking == true else { return false }
            connections[id]?.handshaking = false
            handshakes -= 1
            if handshakeOrder.count > 2 * handshakes + 64 {
                handshakeOrder = CircularBuffer(handshakeOrder.filter { connections[$0]?.handshaking == true })
                silentOrder = CircularBuffer(silentOrder.filter { connections[$0]?.handshaking == true && connections[$0]?.spoke == false })
            }
            return true
        }

        /// Removes the oldest connection of the probe lane from it and returns it (to be closed).
        mutating func evictOldestProbe() -> Connection? {
            while let id = probeOrder.popFirst() {
                guard var connection = connections[id], connection.inProbeLane else { continue }
                connection.inProbeLane = false
                connections[id] = connection
                probes -= 1
                return connection
            }
            return nil
        }

        /// Ends the handshake that has waited longest and returns its connection (to be closed): of the clients that
        /// have not sent a byte if there is one (a real client sends its ClientHello at once), else of all. With
        /// `takingBudget`, only one that holds a part of the budget, which it gives up (to the newcomer).
        mutating func evictOldestHandshake(takingBudget: Bool) -> Connection? {
            let id =
                Self.oldest(in: &silentOrder, of: connections, takingBudget: takingBudget) { $0.handshaking && !$0.spoke }
                ?? Self.oldest(in: &handshakeOrder, of: connections, takingBudget: takingBudget) { $0.handshaking }
            guard let id else { return nil }
            _ = endHandshake(id)
            if takingBudget { connections[id]?.holdsBudget = false }
            return connections[id]
        }

        /// The first connection of `order` that is still `live` (and holds budget, with `takingBudget`), removed from
        /// it; entries no longer live are dropped on the way.
        private static func oldest(
            in order: inout CircularBuffer<ObjectIdentifier>,
            of connections: [ObjectIdentifier: Connection],
            takingBudget: Bool,
            live: (Connection) -> Bool
        ) -> ObjectIdentifier? {
            var index = order.startIndex
            while index != order.endIndex {
                let id = order[index]
                guard let connection = connections[id], live(connection) else {
                    if index == order.startIndex {
                        order.removeFirst()
                        index = order.startIndex
                    } else {
                        index = order.index(after: index)
                    }
                    continue
                }
                guard !takingBudget || connection.holdsBudget else {
                    index = order.index(after: index)
                    continue
                }
                order.remove(at: index)
                return id
            }
            return nil
        }
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

    /// Whether `channel` was admitted past the budget, for health probes only (``ConnectionLimits/probeLane``).
    public func isProbeOnly(_ channel: any Channel) -> Bool {
        state.withLockedValue { $0.connections[ObjectIdentifier(channel)]?.probeOnly ?? false }
    }

    /// The connections of this listener whose TLS handshake is in progress.
    public var pendingHandshakes: Int { state.withLockedValue { $0.handshakes } }

    /// Logs the counts of repeated refusals, rejected handshakes and accept errors not yet summarised; the
    /// listener's close does it (see ``configureServerChannel(_:)``).
    public func flushLogs() {
        refusals.flushSummaries()
        rejections.flushSummaries()
        acceptErrors.flushSummaries()
    }

    // MARK: Admission

    /// Admits `channel` (just accepted) or says why not; an admitted channel is released when it closes.
    ///
    /// Room is made rather than refused where it costs nobody a working connection: when
    /// ``ConnectionLimits/maxHandshakes`` handshakes are in progress, or the budget is used up while some of this
    /// listener's connections still wait for their handshake, the one that has waited longest is closed and the
    /// newcomer takes its place. A flood of clients that never send a ClientHello therefore cannot lock new clients
    /// out: a real handshake completes long before the flood has cycled through every slot. Past the budget
    /// otherwise, a listener with a ``ConnectionLimits/probeLane`` admits the connection for health probes only.
    func admit(_ channel: any Channel) -> Refusal? {
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress
        // Connections closed to make room, with the refusal they count as (none: a probe-only connection, counted
        // as refused when it was admitted).
        var evicted: [(Refusal?, Connection)] = []
        let refusal = state.withLockedValue { state -> Refusal? in
            if let address, state.perAddress[address, default: 0] >= limits.maxConnectionsPerPeer { return .perAddress }
            var holdsBudget = limits.budget != nil
            var probeOnly = false
            if let budget = limits.budget, budget.acquire(listener: listener) == nil {
                if expectsHandshake, let oldest = state.evictOldestHandshake(takingBudget: true) {
                    evicted.append((.maxConnections, oldest))
                } else if limits.probeLane > 0 {
                    holdsBudget = false
                    probeOnly = true
                    if state.probes >= limits.probeLane, let oldest = state.evictOldestProbe() { evicted.append((nil, oldest)) }
                    state.probes += 1
                    state.probeOrder.append(id)
                } else {
                    return .maxConnections
                }
            }
            if expectsHandshake, state.handshakes >= limits.maxHandshakes, let oldest = state.evictOldestHandshake(takingBudget: false) {
                evicted.append((.maxHandshakes, oldest))
            }
            if let address { state.perAddress[address, default: 0] += 1 }
            if expectsHandshake {
                state.handshakes += 1
                state.handshakeOrder.append(id)
                state.silentOrder.append(id)
            }
            state.connections[id] = Connection(
                channel: channel, address: address, identity: nil, handshaking: expectsHandshake, holdsBudget: holdsBudget,
                probeOnly: probeOnly, inProbeLane: probeOnly)
            return nil
        }
        if let refusal {
            refused(refusal, peer: address ?? "unknown")
            return refusal
        }
        // Past the budget, the connection may still serve a health probe: counted as refused for everything else.
        if isProbeOnly(channel) { refused(.maxConnections, peer: address ?? "unknown", probeOnly: true) }
        for (reason, connection) in evicted {
            if let reason { refused(reason, peer: connection.address ?? "unknown") }
            connection.channel.close(promise: nil)
        }
        openGauge.record(openConnections)
        channel.closeFuture.whenComplete { [self] _ in release(id) }
        return nil
    }

    private func release(_ id: ObjectIdentifier) {
        let released = state.withLockedValue { state -> Bool? in
            guard let connection = state.connections[id] else { return nil }
            _ = state.endHandshake(id)
            if connection.inProbeLane { state.probes -= 1 }
            if state.probeOrder.count > 2 * state.probes + 64 {
                state.probeOrder = CircularBuffer(state.probeOrder.filter { state.connections[$0]?.inProbeLane == true })
            }
            state.connections[id] = nil
            if let address = connection.address { Self.decrement(&state.perAddress, address) }
            if let identity = connection.identity { Self.decrement(&state.perIdentity, identity) }
            return connection.holdsBudget
        }
        guard let holdsBudget = released else { return }
        if holdsBudget { _ = limits.budget?.release(listener: listener) }
        openGauge.record(openConnections)
    }

    private static func decrement(_ counts: inout [String: Int], _ key: String) {
        let remaining = (counts[key] ?? 1) - 1
        counts[key] = remaining > 0 ? remaining : nil
    }

    private func refused(_ refusal: Refusal, peer: String, probeOnly: Bool = false) {
        refusedCounters[refusal]?.increment()
        let limit: Int
        switch refusal {
        case .maxConnections: limit = limits.budget?.listenerLimit ?? .max
        case .perAddress, .perIdentity: limit = limits.maxConnectionsPerPeer
        case .maxHandshakes: limit = limits.maxHandshakes
        }
        var metadata: Logger.Metadata = ["peer": "\(peer)", "limit": "\(limit)"]
        if probeOnly { metadata["served"] = "health probes only" }
        refusals.record(reason: refusal.rawValue, metadata: metadata)
    }

    // MARK: Handshakes

    /// Counts `channel`'s TLS handshake until it ends; once it succeeds, the connection counts against the client's
    /// certificate identity instead of its address, and is closed if that identity already holds
    /// ``ConnectionLimits/maxConnectionsPerPeer`` connections. Call it right after adding `tls` to the pipeline.
    public func trackHandshake(of channel: any Channel, tls: TLSHandler) {
        let id = ObjectIdentifier(channel)
        // Notes the first bytes from the client, then leaves the pipeline.
        try? channel.pipeline.syncOperations.addHandler(FirstBytesHandler { [self] in
            state.withLockedValue { $0.connections[id]?.spoke = true }
        }, position: .first)
        tls.handshakeFuture.whenComplete { [self] result in
            guard case .success(let handshake) = result else {
                handshakeEnded(id)
                return
            }
            let identity = handshake.peerIdentity?.value
            let refusal = state.withLockedValue { state -> Refusal? in
                guard state.endHandshake(id), var connection = state.connections[id] else { return nil }
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
        _ = state.withLockedValue { $0.endHandshake(id) }
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

/// Calls `spoke` when the first bytes arrive, then removes itself.
private final class FirstBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let spoke: () -> Void

    init(spoke: @escaping () -> Void) {
        self.spoke = spoke
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        spoke()
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
