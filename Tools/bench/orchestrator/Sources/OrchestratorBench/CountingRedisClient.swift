import LoomRedis
import NIOCore
import Synchronization

/// Forwards to a pool and counts the round trips the store makes (a pipeline or a
/// transaction is one round trip), so the bench can report round trips per transition:
/// `INFO commandstats` also counts the commands Lua scripts run inside Redis.
final class CountingRedisClient: RedisClient {
    let base: RedisConnectionPool
    private let roundTrips = Atomic<Int>(0)
    private let commands = Atomic<Int>(0)
    private let byName = Mutex<[String: Int]>([:])

    init(_ base: RedisConnectionPool) { self.base = base }

    var counts: (roundTrips: Int, commands: Int) { (roundTrips.load(ordering: .relaxed), commands.load(ordering: .relaxed)) }

    /// Round trips of single commands, by command name.
    var singleCommands: [String: Int] { byName.withLock { $0 } }

    func send(_ command: RedisCommand, timeout: TimeAmount?) async throws -> RESPValue {
        byName.withLock { $0[command.name, default: 0] += 1 }
        roundTrips.add(1, ordering: .relaxed)
        commands.add(1, ordering: .relaxed)
        return try await base.send(command, timeout: timeout)
    }

    func pipeline(_ commands: [RedisCommand], timeout: TimeAmount?) async throws -> [RESPValue] {
        roundTrips.add(1, ordering: .relaxed)
        self.commands.add(commands.count, ordering: .relaxed)
        return try await base.pipeline(commands, timeout: timeout)
    }

    func transaction(_ commands: [RedisCommand], timeout: TimeAmount?) async throws -> [RESPValue] {
        roundTrips.add(1, ordering: .relaxed)
        self.commands.add(commands.count + 2, ordering: .relaxed)
        return try await base.transaction(commands, timeout: timeout)
    }
}
