import LoomTLS
import NIOCore

extension RPCServer {
    /// Server settings. Start from ``defaults`` and change what you need.
    public struct Configuration: Sendable {
        /// How connections are secured. There is no default: plaintext must be asked for with
        /// ``RPCTransportSecurity/insecure``.
        public var transportSecurity: RPCTransportSecurity
        /// The largest MESSAGE payload accepted, in bytes (default 4 MiB). A larger frame is refused before it is
        /// buffered, and the connection is closed with GOAWAY(FRAME_TOO_LARGE).
        public var maxMessageSize: Int = 4 * 1024 * 1024
        /// Calls that may be in flight on one connection (default 256). Calls past it end at once with
        /// RESOURCE_EXHAUSTED.
        public var maxConcurrentCallsPerConnection: Int = 256
        /// The most memory that decoded requests may take at once on the whole server, in bytes (default 128 MiB),
        /// as their deserializers estimate it before decoding (for Loom's messages, the scan of `DecodeLimits`). A
        /// request that does not fit while others are in flight ends with RESOURCE_EXHAUSTED before it is decoded;
        /// with none in flight any request fits. Reserved from when the request is decoded until its handler returns.
        public var maxDecodedBytesInFlight: Int = 128 * 1024 * 1024
        /// As ``maxDecodedBytesInFlight``, for the calls of one connection (default 64 MiB).
        public var maxDecodedBytesInFlightPerConnection: Int = 64 * 1024 * 1024
        /// How long a connection may have no call in flight before the server closes it with
        /// GOAWAY(IDLE_TIMEOUT) (default 5 minutes); `nil` never closes idle connections. PINGs do not count as
        /// activity.
        public var idleTimeout: TimeAmount? = .minutes(5)
        /// How long a call's request may take to arrive: from its CALL_START until its MESSAGE is whole (default
        /// 30 s). A call whose request is late ends with DEADLINE_EXCEEDED; if the connection is then in the middle of
        /// a frame (a request trickling in), the connection is closed with GOAWAY(PROTOCOL_ERROR), since nothing behind
        /// that frame can be read. `nil` waits as long as the call's deadline (or for ever).
        public var requestTimeout: TimeAmount? = .seconds(30)
        /// The longest a unary call may run (default 5 minutes): a unary call without a deadline, or with a longer
        /// one, gets this one and ends with DEADLINE_EXCEEDED when it passes. Streaming calls (watches) are not
        /// limited. `nil` sets no limit.
        public var maxUnaryDuration: TimeAmount? = .minutes(5)
        /// Which connections the server accepts: the process-wide budget it shares with other listeners, per-peer and
        /// handshake limits (see ``LoomTLS/ConnectionLimits``). The default limits nothing; accept back-off on
        /// EMFILE and aggregated logs of refused connections and rejected handshakes apply whatever the limits.
        public var connectionLimits = ConnectionLimits()
        /// How long a graceful shutdown waits for in-flight calls before closing connections anyway (default 30 s).
        public var drainTimeout: TimeAmount = .seconds(30)
        /// Where handler tasks run (default: Swift's global concurrent executor).
        public var handlerExecution: HandlerExecution = .globalConcurrentExecutor
        /// Decides, per call, whether the peer may call the method (default: allow every call).
        public var authorizer: any RPCAuthorizer = RPCAllowAllAuthorizer()

        /// Creates a configuration with the default limits.
        public init(transportSecurity: RPCTransportSecurity) {
            self.transportSecurity = transportSecurity
        }

        /// The defaults, secured by `transportSecurity`, changed by `configure`.
        public static func defaults(
            transportSecurity: RPCTransportSecurity,
            configure: (inout Configuration) -> Void = { _ in }
        ) -> Configuration {
            var configuration = Configuration(transportSecurity: transportSecurity)
            configure(&configuration)
            return configuration
        }
    }

    /// Where the task running a call's handler executes.
    public struct HandlerExecution: Hashable, Sendable {
        enum Base: Hashable, Sendable {
            case globalConcurrentExecutor
            case eventLoop
        }

        let base: Base

        /// Swift's global concurrent executor: handlers may block or compute without stalling connections, at the
        /// cost of two thread hops per call. The default.
        public static let globalConcurrentExecutor = HandlerExecution(base: .globalConcurrentExecutor)

        /// The connection's event loop: no thread hop per call (lowest latency, highest throughput), but a handler
        /// that blocks or computes for long stalls every connection on that loop. For non-blocking handlers only
        /// (e.g. ones that await LoomRedis or other NIO-based I/O). The handler starts at once, inside the read that
        /// completed its request, so one that finishes without suspending is answered in the same event-loop tick.
        public static let eventLoop = HandlerExecution(base: .eventLoop)
    }
}
