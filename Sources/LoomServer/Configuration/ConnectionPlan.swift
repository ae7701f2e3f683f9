import Logging
import LoomTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The connection limits `loom-server` runs with: from the flags, or derived from the open-file limit.
///
/// Every connection costs a file descriptor. So do Redis connections, connections to migrators, certificate and
/// policy reads, the event loops and the threads of the runtime — and a process out of descriptors fails in ways
/// that cannot be handled (libdispatch aborts when it cannot open `/proc/<tid>/stat`). The RPC server and
/// the REST shim therefore share one ``ConnectionBudget`` that leaves ``headroom(forOpenFiles:)`` descriptors
/// untouched; each listener may hold all of it but its ``reserve``, so a flood on one listener leaves the other
/// (the shim's `/healthz`, `/readyz`) room, and past the budget the shim still answers health probes on a few
/// connections of its own (``probeLane``).
struct ConnectionPlan: Sendable, Equatable {
    /// Connections of both listeners together (`--max-connections`).
    var maxConnections: Int
    /// Connections no single listener may take.
    var reserve: Int
    /// Connections per client address before the handshake, per certificate identity after it
    /// (`--max-connections-per-peer`).
    var maxConnectionsPerPeer: Int
    /// TLS handshakes in progress, per listener (`--max-handshakes`).
    var maxHandshakes: Int

    /// Shim connections admitted past the budget for health probes only (one GET of `/healthz`, `/readyz` or
    /// `/metrics`; the oldest is closed when a new one needs room), so that probes are answered even when floods of
    /// both listeners use the whole budget. Within the headroom.
    static let probeLane = 8
    /// The most connections derived from the open-file limit, however high it is.
    static let derivedCeiling = 10_000
    /// An open-file limit below this is warned about at start.
    static let lowOpenFileLimit = 4096

    /// Descriptors kept out of the connection budget: an eighth of the limit, at least 128.
    static func headroom(forOpenFiles openFiles: Int) -> Int { max(128, openFiles / 8) }

    /// Resolves the limits for a process that may open `openFiles` descriptors.
    /// - Throws: ``ConfigurationError`` naming the flag when an explicit limit needs more descriptors than there
    ///   are, contradicts another, or the open-file limit leaves no room for connections.
    static func resolve(_ configuration: ServerConfiguration, openFiles: Int) throws(ConfigurationError) -> ConnectionPlan {
        let headroom = headroom(forOpenFiles: openFiles)
        let usable = openFiles - headroom
        let maxConnections: Int
        if let explicit = configuration.maxConnections {
            guard explicit <= usable else {
                throw ConfigurationError(
                    "--max-connections \(explicit) needs more file descriptors than the open-file limit (\(openFiles)) leaves after "
                        + "\(headroom) for Redis, migrators, files and threads (at most \(max(0, usable))): raise the limit "
                        + "(ulimit -n, LimitNOFILE= in a systemd unit) or lower --max-connections")
            }
            maxConnections = explicit
        } else {
            guard usable >= 16 else {
                throw ConfigurationError(
                    "the open-file limit (\(openFiles)) leaves no room for connections: raise it to at least 1024 (ulimit -n) "
                        + "or set --max-connections")
            }
            maxConnections = min(derivedCeiling, usable)
        }
        let perPeer = configuration.maxConnectionsPerPeer ?? min(maxConnections, max(4, maxConnections / 8))
        let handshakes = configuration.maxHandshakes ?? min(maxConnections, max(4, maxConnections / 4))
        guard perPeer <= maxConnections else {
            throw ConfigurationError("--max-connections-per-peer (\(perPeer)) must not exceed --max-connections (\(maxConnections))")
        }
        guard handshakes <= maxConnections else {
            throw ConfigurationError("--max-handshakes (\(handshakes)) must not exceed --max-connections (\(maxConnections))")
        }
        return ConnectionPlan(
            maxConnections: maxConnections, reserve: ConnectionBudget.defaultReserve(limit: maxConnections),
            maxConnectionsPerPeer: perPeer, maxHandshakes: handshakes)
    }

    /// Raises the open-file limit as far as allowed, resolves the plan against it and logs both (a warning when the
    /// limit is low).
    static func prepare(_ configuration: ServerConfiguration, logger: Logger) throws(ConfigurationError) -> ConnectionPlan {
        let limit = OpenFileLimit.raiseToHard()
        let plan = try resolve(configuration, openFiles: limit.current)
        var metadata: Logger.Metadata = [
            "open-files": "\(limit.current)", "max-connections": "\(plan.maxConnections)",
            "max-connections-per-peer": "\(plan.maxConnectionsPerPeer)", "max-handshakes": "\(plan.maxHandshakes)",
            "reserve": "\(plan.reserve)",
        ]
        if limit.current != limit.before { metadata["raised-from"] = "\(limit.before)" }
        if let failure = limit.failure { metadata["raise-failed"] = "\(failure)" }
        logger.info("connection limits", metadata: metadata)
        if limit.current < lowOpenFileLimit {
            logger.warning(
                "the open-file limit is low: at most \(plan.maxConnections) connections; raise it (ulimit -n 65536, LimitNOFILE= in a systemd unit)",
                metadata: ["open-files": "\(limit.current)", "hard-limit": "\(limit.hard)"])
        }
        return plan
    }

    /// The limits of each listener; both draw from `budget`.
    func limits(budget: ConnectionBudget) -> ConnectionLimits {
        ConnectionLimits(budget: budget, maxConnectionsPerPeer: maxConnectionsPerPeer, maxHandshakes: maxHandshakes)
    }

    /// The budget the listeners share.
    func makeBudget() -> ConnectionBudget { ConnectionBudget(limit: maxConnections, reserve: reserve) }
}

/// The process's open-file limit (`RLIMIT_NOFILE`).
enum OpenFileLimit {
    /// What ``raiseToHard()`` found and did.
    struct Outcome: Sendable, Equatable {
        /// The soft limit at start.
        var before: Int
        /// The soft limit now.
        var current: Int
        /// The hard limit (the most the soft one may be raised to).
        var hard: Int
        /// Why raising failed, if it did.
        var failure: String?
    }

    /// Raises the soft limit to the hard one (capped at 1,048,576 when the hard limit is unlimited).
    static func raiseToHard() -> Outcome {
        var limits = rlimit()
        guard getrlimit(resource, &limits) == 0 else {
            return Outcome(before: 1024, current: 1024, hard: 1024, failure: "getrlimit: errno \(errno)")
        }
        let before = Self.int(limits.rlim_cur)
        let target: rlim_t = limits.rlim_max == Self.infinity ? max(limits.rlim_cur, 1 << 20) : limits.rlim_max
        guard target > limits.rlim_cur else { return Outcome(before: before, current: before, hard: Self.int(limits.rlim_max)) }
        var raised = limits
        raised.rlim_cur = target
        guard setrlimit(resource, &raised) == 0 else {
            return Outcome(before: before, current: before, hard: Self.int(limits.rlim_max), failure: "setrlimit: errno \(errno)")
        }
        return Outcome(before: before, current: Self.int(target), hard: Self.int(limits.rlim_max))
    }

    /// `RLIM_INFINITY` (all bits set on Linux; Swift imports the C macro as a negative literal).
    private static let infinity = rlim_t.max

    private static func int(_ value: rlim_t) -> Int {
        value == Self.infinity || value > rlim_t(Int.max) ? Int.max : Int(value)
    }

    #if os(Linux)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
