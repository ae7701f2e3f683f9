import NIOCore

extension RPCClient {
    /// Client settings. Start from ``defaults(transportSecurity:configure:)`` and change what you need.
    public struct Configuration: Sendable {
        /// How the connection is secured. Plaintext must be asked for with ``RPCTransportSecurity/insecure``.
        public var transportSecurity: RPCTransportSecurity
        /// The largest MESSAGE payload accepted from the server and sent to it, in bytes (default 4 MiB).
        public var maxMessageSize: Int = 4 * 1024 * 1024
        /// Timeout for calls whose options set none; `nil` (the default) means no deadline.
        public var defaultTimeout: TimeAmount?
        /// How long a TCP connect may take (default 10 s).
        public var connectTimeout: TimeAmount = .seconds(10)
        /// How often the client PINGs the server while connected (default 30 s); `nil` disables keepalive.
        public var keepaliveInterval: TimeAmount? = .seconds(30)
        /// How long the client waits, after a PING, to hear anything from the server (its PONG or any other frame)
        /// before declaring the connection dead (default 10 s).
        public var keepaliveTimeout: TimeAmount = .seconds(10)
        /// How far the caller of a server-streamed call may fall behind, in bytes received and not yet taken
        /// (default 4 MiB; each message also counts 64 bytes of overhead). A message that arrives while the caller is
        /// that far behind fails the call: the caller gets the messages already received, then RESOURCE_EXHAUSTED,
        /// and the call is cancelled on the server. Other calls on the connection are not affected. Keep it well
        /// above one read of the connection (64 KiB), or a burst can refuse a caller that keeps up.
        public var maxBufferedStreamBytes: Int = 4 * 1024 * 1024
        /// Reconnection backoff after a failed connect.
        public var backoff: Backoff = .init()

        /// Creates a configuration with the default settings.
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

    /// Exponential backoff between connection attempts. After `n` consecutive failures the next attempt waits
    /// `min(maximum, initial × multiplier^(n-1))`, randomised by ±`jitter`. Calls made meanwhile wait for the next
    /// attempt (within their deadline) instead of hammering the server.
    public struct Backoff: Sendable {
        /// The wait after the first failure (default 100 ms).
        public var initial: TimeAmount = .milliseconds(100)
        /// The longest wait (default 10 s).
        public var maximum: TimeAmount = .seconds(10)
        /// Growth per failure (default 1.6).
        public var multiplier: Double = 1.6
        /// Relative randomisation, 0...1 (default 0.2).
        public var jitter: Double = 0.2

        /// Creates the default backoff.
        public init() {}

        /// The wait after `failures` consecutive failures (at least 1).
        func delay(afterFailures failures: Int) -> TimeAmount {
            let base = Double(initial.nanoseconds) * pow(multiplier, Double(max(0, failures - 1)))
            let capped = min(base, Double(maximum.nanoseconds))
            let jittered = capped * (1 + Double.random(in: -jitter...jitter))
            return .nanoseconds(Int64(max(0, jittered)))
        }
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
        if result > 1e12 { break }
    }
    return result
}
