import NIOCore

/// A Lua script run by its SHA-1 (`EVALSHA`), loaded into the server on demand.
///
/// ```swift
/// let incrementIfEqual = RedisScript("""
///     if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('INCR', KEYS[2]) end
///     return false
///     """)
/// let reply = try await client.evalScript(incrementIfEqual, keys: ["a", "b"], arguments: ["x"])
/// ```
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The SHA-1 of the source in hex, as Redis names the script.
    public let sha1: String

    /// Creates a script; the SHA-1 is computed once here.
    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hexDigest(source.utf8)
    }
}

extension RedisClient {
    /// Runs `script` with `EVALSHA`; when the server answers `NOSCRIPT` (first use, restart,
    /// `SCRIPT FLUSH`), loads it with `SCRIPT LOAD` and runs it again.
    ///
    /// Errors raised by the script (`redis.error_reply`, a failing `redis.call`) are thrown
    /// as ``RedisError`` with code ``RedisError/Code/server`` and the script's text.
    @discardableResult
    public func evalScript(
        _ script: RedisScript,
        keys: [String] = [],
        arguments: [RESPArgument] = [],
        timeout: TimeAmount? = nil
    ) async throws -> RESPValue {
        let command = RedisCommand(
            "EVALSHA",
            arguments: [.string(script.sha1), .integer(Int64(keys.count))] + keys.map { .string($0) } + arguments
        )
        do {
            return try await self.send(command, timeout: timeout)
        } catch let error as RedisError where error.code == .noScript {
            let loaded = try await self.send(RedisCommand("SCRIPT", "LOAD", .string(script.source)), timeout: timeout)
            guard loaded.string == script.sha1 else {
                throw RedisError(.protocolViolation, "SCRIPT LOAD returned \(loaded.string ?? "no SHA"), expected \(script.sha1)")
            }
            return try await self.send(command, timeout: timeout)
        }
    }
}
