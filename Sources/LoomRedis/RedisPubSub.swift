import Logging
import NIOCore
import NIOPosix

/// A message received on a subscribed channel.
public struct RedisPubSubMessage: Sendable, Hashable {
    /// The pattern that matched, for `PSUBSCRIBE` subscriptions.
    public var pattern: String?
    /// The channel the message was published on.
    public var channel: String
    /// The message body.
    public var payload: ByteBuffer

    /// Creates a message.
    public init(pattern: String? = nil, channel: String, payload: ByteBuffer) {
        self.pattern = pattern
        self.channel = channel
        self.payload = payload
    }
}

/// A dedicated pub/sub connection: subscribe to channels and patterns, read ``messages``.
///
/// ```swift
/// let pubSub = try await RedisPubSub.connect(to: configuration)
/// try await pubSub.subscribe(["loom:events"])
/// for try await message in pubSub.messages { … }
/// ```
/// The sequence ends when ``close()`` is called, and throws
/// ``RedisError/Code/connectionClosed`` when the server goes away (subscribe again on a new one).
public final class RedisPubSub: Sendable {
    /// Every message for the current subscriptions, in arrival order.
    public let messages: AsyncThrowingStream<RedisPubSubMessage, any Error>
    private let connection: RedisConnection
    private let continuation: AsyncThrowingStream<RedisPubSubMessage, any Error>.Continuation

    private init(
        connection: RedisConnection,
        messages: AsyncThrowingStream<RedisPubSubMessage, any Error>,
        continuation: AsyncThrowingStream<RedisPubSubMessage, any Error>.Continuation
    ) {
        self.connection = connection
        self.messages = messages
        self.continuation = continuation
    }

    /// Opens a connection in pub/sub mode.
    public static func connect(
        to configuration: RedisConfiguration,
        on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "loom.redis.pubsub")
    ) async throws -> RedisPubSub {
        let (stream, continuation) = AsyncThrowingStream<RedisPubSubMessage, any Error>.makeStream()
        let connection = try await RedisConnection.connect(
            to: configuration, on: group, logger: logger,
            pushSink: { value in
                if let message = Self.message(from: value) { continuation.yield(message) }
            })
        connection.closeFuture.whenComplete { _ in
            continuation.finish(throwing: RedisError(.connectionClosed, "the pub/sub connection closed"))
        }
        return RedisPubSub(connection: connection, messages: stream, continuation: continuation)
    }

    /// `SUBSCRIBE channels…`; returns once the server confirmed every channel.
    public func subscribe(_ channels: [String]) async throws {
        try await self.change("SUBSCRIBE", channels)
    }

    /// `PSUBSCRIBE patterns…`; returns once the server confirmed every pattern.
    public func psubscribe(_ patterns: [String]) async throws {
        try await self.change("PSUBSCRIBE", patterns)
    }

    /// `UNSUBSCRIBE channels…`; returns once the server confirmed every channel.
    public func unsubscribe(_ channels: [String]) async throws {
        try await self.change("UNSUBSCRIBE", channels)
    }

    /// `PUNSUBSCRIBE patterns…`; returns once the server confirmed every pattern.
    public func punsubscribe(_ patterns: [String]) async throws {
        try await self.change("PUNSUBSCRIBE", patterns)
    }

    /// Closes the connection and ends ``messages`` normally.
    public func close() async {
        continuation.finish()
        await connection.close()
    }

    private func change(_ verb: String, _ names: [String]) async throws {
        guard !names.isEmpty else { throw RedisError(.unsupported, "\(verb) needs at least one name") }
        let replies = try await connection.batch(
            [RedisCommand(verb, arguments: names.map { .string($0) })], replies: names.count, timeout: nil)
        for reply in replies {
            if case .error(let text) = reply { throw RedisError.serverReply(text) }
        }
    }

    /// `message channel payload` or `pmessage pattern channel payload`, as push or array.
    static func message(from value: RESPValue) -> RedisPubSubMessage? {
        guard let elements = value.array, let kind = elements.first?.string?.lowercased() else { return nil }
        switch kind {
        case "message" where elements.count == 3, "smessage" where elements.count == 3:
            guard let channel = elements[1].string, let payload = elements[2].bytes else { return nil }
            return RedisPubSubMessage(channel: channel, payload: payload)
        case "pmessage" where elements.count == 4:
            guard let pattern = elements[1].string, let channel = elements[2].string, let payload = elements[3].bytes
            else { return nil }
            return RedisPubSubMessage(pattern: pattern, channel: channel, payload: payload)
        default:
            return nil
        }
    }
}
