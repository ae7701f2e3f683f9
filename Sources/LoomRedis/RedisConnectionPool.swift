import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A bounded set of pipelined connections to one server, reconnecting with backoff.
///
/// Up to ``Options/size`` connections are opened on demand. Commands are spread over
/// them round-robin, and each connection pipelines whatever it is given, so many tasks
/// share few sockets. When the server goes away, commands in flight fail with
/// ``RedisError/Code/connectionClosed``; the next commands reconnect (first attempt at
/// once, then with exponential backoff) and succeed as soon as the server is back.
/// A command that cannot get a connection before its timeout fails with
/// ``RedisError/Code/connectFailed`` carrying the last connect error.
///
/// Connections are shared, not leased: a blocking command (`BLPOP`, `XREAD BLOCK`, …) holds up
/// every command pipelined behind it on the same connection. Run those on a dedicated
/// ``RedisConnection``.
///
/// ```swift
/// let pool = RedisConnectionPool(configuration: try RedisConfiguration(url: "redis://127.0.0.1:6379"))
/// try await pool.set("k", to: "v")
/// let reply = try await pool.send(RedisCommand("INCR", "counter"))
/// await pool.shutdown()
/// ```
public final class RedisConnectionPool: RedisClient {
    /// Pool sizing and reconnection.
    public struct Options: Sendable {
        /// Most connections open at once. Default 4.
        public var size: Int
        /// Wait before the second reconnect attempt; doubles per failure. Default 50 ms.
        public var initialBackoff: TimeAmount
        /// Longest wait between reconnect attempts. Default 5 s.
        public var maximumBackoff: TimeAmount
        /// Check the server's settings on the first connection and log warnings. Default on.
        public var checkServerSettingsOnConnect: Bool

        /// Creates options.
        public init(
            size: Int = 4, initialBackoff: TimeAmount = .milliseconds(50), maximumBackoff: TimeAmount = .seconds(5),
            checkServerSettingsOnConnect: Bool = true
        ) {
            self.size = max(1, size)
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.checkServerSettingsOnConnect = checkServerSettingsOnConnect
        }
    }

    private enum Slot {
        case empty
        case connecting(EventLoopFuture<RedisConnection>)
        case connected(RedisConnection)
        case backingOff(until: NIODeadline, failures: Int, lastError: RedisError)
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        var failures: [Int]
        var isShutdown = false
        var settingsChecked = false
    }

    private enum Acquire {
        case use(RedisConnection)
        case await(EventLoopFuture<RedisConnection>)
        case start(EventLoopPromise<RedisConnection>, slot: Int, alsoUse: RedisConnection?)
        case wait(until: NIODeadline, lastError: RedisError)
        case shutDown
    }

    /// The configuration every connection is opened with.
    public let configuration: RedisConfiguration
    /// Sizing and reconnection options.
    public let options: Options
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    /// Creates a pool; no connection is opened until the first command.
    public init(
        configuration: RedisConfiguration,
        options: Options = Options(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "loom.redis")
    ) {
        self.configuration = configuration
        self.options = options
        self.group = group
        self.logger = logger
        self.state = NIOLockedValueBox(
            State(slots: Array(repeating: .empty, count: options.size), failures: Array(repeating: 0, count: options.size)))
    }

    /// Sends one command on one of the pool's connections.
    public func send(_ command: RedisCommand, timeout: TimeAmount?) async throws -> RESPValue {
        try await self.connection(timeout: timeout).send(command, timeout: timeout)
    }

    /// Writes `commands` together on one connection.
    public func pipeline(_ commands: [RedisCommand], timeout: TimeAmount?) async throws -> [RESPValue] {
        try await self.connection(timeout: timeout).pipeline(commands, timeout: timeout)
    }

    /// Runs `commands` in `MULTI`/`EXEC` on one connection.
    public func transaction(_ commands: [RedisCommand], timeout: TimeAmount?) async throws -> [RESPValue] {
        try await self.connection(timeout: timeout).transaction(commands, timeout: timeout)
    }

    /// A live connection of the pool (shared: other tasks may pipeline on it too).
    ///
    /// Waits for a connect or a backoff at most `timeout` (default: the command timeout).
    nonisolated(nonsending) public func connection(timeout: TimeAmount? = nil) async throws -> RedisConnection {
        let deadline = NIODeadline.now() + (timeout ?? configuration.commandTimeout)
        while true {
            switch self.acquire() {
            case .use(let connection):
                return connection
            case .await(let future):
                return try await future.get()
            case .start(let promise, let slot, let alsoUse):
                self.startConnecting(slot: slot, promise: promise)
                if let alsoUse { return alsoUse }
                return try await promise.futureResult.get()
            case .wait(let until, let lastError):
                guard until < deadline else {
                    throw RedisError(.connectFailed, "Redis unavailable (\(configuration)): \(lastError.message)")
                }
                try await Task.sleep(nanoseconds: UInt64(max(0, (until - .now()).nanoseconds)))
            case .shutDown:
                throw RedisError(.poolShutdown, "the Redis connection pool is shut down")
            }
        }
    }

    /// Closes every connection; later commands fail with ``RedisError/Code/poolShutdown``.
    public func shutdown() async {
        let connections: [RedisConnection] = state.withLockedValue { state in
            state.isShutdown = true
            let open = state.slots.compactMap { slot -> RedisConnection? in
                if case .connected(let connection) = slot { return connection }
                return nil
            }
            state.slots = Array(repeating: .empty, count: state.slots.count)
            return open
        }
        for connection in connections { await connection.close() }
    }

    private func acquire() -> Acquire {
        let now = NIODeadline.now()
        let currentLoop = MultiThreadedEventLoopGroup.currentEventLoop
        return state.withLockedValue { state -> Acquire in
            if state.isShutdown { return .shutDown }
            let count = state.slots.count
            let index = state.next % count
            state.next = (state.next + 1) % count
            var live: RedisConnection?
            for offset in 0..<count {
                if case .connected(let connection) = state.slots[(index + offset) % count], connection.isActive {
                    live = connection
                    break
                }
            }
            switch state.slots[index] {
            case .connected(let connection) where connection.isActive:
                // A caller on an event loop (loom-server runs Swift concurrency on them) gets a
                // connection of that loop when there is one: its command and reply then never
                // cross threads. (Only once this slot is up, so that the pool still fills.)
                if let currentLoop, connection.eventLoop !== currentLoop {
                    for offset in 1..<count {
                        if case .connected(let other) = state.slots[(index + offset) % count], other.isActive,
                            other.eventLoop === currentLoop
                        {
                            return .use(other)
                        }
                    }
                }
                return .use(connection)
            case .connected, .empty:
                let promise = group.next().makePromise(of: RedisConnection.self)
                state.slots[index] = .connecting(promise.futureResult)
                return .start(promise, slot: index, alsoUse: live)
            case .connecting(let future):
                if let live { return .use(live) }
                return .await(future)
            case .backingOff(let until, let failures, let lastError):
                if let live { return .use(live) }
                guard until <= now else { return .wait(until: until, lastError: lastError) }
                let promise = group.next().makePromise(of: RedisConnection.self)
                state.slots[index] = .connecting(promise.futureResult)
                state.failures[index] = failures
                return .start(promise, slot: index, alsoUse: nil)
            }
        }
    }

    private func startConnecting(slot: Int, promise: EventLoopPromise<RedisConnection>) {
        let configuration = self.configuration
        let logger = self.logger
        let eventLoop = promise.futureResult.eventLoop
        promise.completeWithTask {
            try await RedisConnection.connect(to: configuration, on: eventLoop, logger: logger, pushSink: nil)
        }
        promise.futureResult.whenComplete { result in
            self.connectFinished(slot: slot, result: result)
        }
    }

    private func connectFinished(slot: Int, result: Result<RedisConnection, any Error>) {
        switch result {
        case .success(let connection):
            let (keep, checkSettings) = state.withLockedValue { state -> (Bool, Bool) in
                guard !state.isShutdown else { return (false, false) }
                state.slots[slot] = .connected(connection)
                state.failures[slot] = 0
                let check = !state.settingsChecked && options.checkServerSettingsOnConnect
                state.settingsChecked = true
                return (true, check)
            }
            guard keep else {
                connection.channel.close(promise: nil)
                return
            }
            connection.closeFuture.whenComplete { _ in
                self.state.withLockedValue { state in
                    if case .connected(let current) = state.slots[slot], current === connection {
                        state.slots[slot] = .empty
                    }
                }
                self.logger.warning("Redis connection closed; reconnecting on next use", metadata: ["redis": "\(self.configuration)"])
            }
            if checkSettings {
                Task { await self.logServerSettings(connection) }
            }
        case .failure(let error):
            let redisError = error as? RedisError ?? RedisError(.connectFailed, "\(error)")
            let backoff: TimeAmount = state.withLockedValue { state in
                let failures = state.failures[slot] + 1
                var delay = options.initialBackoff
                for _ in 1..<min(failures, 20) where delay < options.maximumBackoff { delay = delay * 2 }
                delay = min(delay, options.maximumBackoff)
                state.slots[slot] = .backingOff(until: .now() + delay, failures: failures, lastError: redisError)
                return delay
            }
            logger.warning(
                "Redis connect failed; retrying with backoff",
                metadata: ["redis": "\(configuration)", "error": "\(redisError)", "backoff_ms": "\(backoff.nanoseconds / 1_000_000)"])
        }
    }

    private func logServerSettings(_ connection: RedisConnection) async {
        do {
            let settings = try await connection.checkServerSettings()
            for warning in settings.warnings {
                logger.warning("UNSAFE REDIS SETTINGS: \(warning)", metadata: ["redis": "\(configuration)"])
            }
        } catch {
            logger.warning("cannot check Redis settings: \(error)", metadata: ["redis": "\(configuration)"])
        }
    }
}
