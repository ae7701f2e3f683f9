import NIOCore

/// Anything that runs commands: a single ``RedisConnection`` or a ``RedisConnectionPool``.
///
/// Scripts, settings checks and the convenience commands are written once, on this protocol.
public protocol RedisClient: Sendable {
    /// Sends one command and returns its reply; an error reply is thrown as ``RedisError``.
    func send(_ command: RedisCommand, timeout: TimeAmount?) async throws -> RESPValue
    /// Writes `commands` together and returns their replies in order, error replies in place.
    func pipeline(_ commands: [RedisCommand], timeout: TimeAmount?) async throws -> [RESPValue]
    /// Runs `commands` inside `MULTI`/`EXEC` and returns the `EXEC` results.
    func transaction(_ commands: [RedisCommand], timeout: TimeAmount?) async throws -> [RESPValue]
}

extension RedisConnection: RedisClient {}

extension RedisClient {
    /// Sends one command with the default timeout.
    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        try await self.send(command, timeout: nil)
    }

    /// Writes `commands` together with the default timeout.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        try await self.pipeline(commands, timeout: nil)
    }

    /// Runs `commands` in `MULTI`/`EXEC` with the default timeout.
    public func transaction(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        try await self.transaction(commands, timeout: nil)
    }

    /// `GET key`: the value, or `nil` when the key does not exist.
    public func get(_ key: String) async throws -> ByteBuffer? {
        let reply = try await self.send(RedisCommand("GET", .string(key)))
        if reply.isNull { return nil }
        guard let bytes = reply.bytes else { throw RedisError(.protocolViolation, "GET returned \(reply)") }
        return bytes
    }

    /// `SET key value`.
    public func set(_ key: String, to value: RESPArgument) async throws {
        try await self.send(RedisCommand("SET", .string(key), value))
    }

    /// `DEL keys…`: how many keys were removed.
    @discardableResult
    public func delete(_ keys: [String]) async throws -> Int64 {
        let reply = try await self.send(RedisCommand("DEL", arguments: keys.map { .string($0) }))
        guard let count = reply.int else { throw RedisError(.protocolViolation, "DEL returned \(reply)") }
        return count
    }
}
