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
        /// How long a connection may have no call in flight before the server closes it with
        /// GOAWAY(IDLE_TIMEOUT) (default 5 minutes); `nil` never closes idle connections. PINGs do not count as
        /// activity.
        public var idleTimeout: TimeAmount? = .minutes(5)
        /// How long a graceful shutdown waits for in-flight calls before closing connections anyway (default 30 s).
        public var drainTimeout: TimeAmount = .seconds(30)
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
}
