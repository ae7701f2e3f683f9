import LoomCore
import LoomRedis

/// The Redis adapter of both store ports (``LoomStore``): Loom's durable system of record.
///
/// Every read-modify-write is one Lua script (``RedisStoreScripts``), so concurrent
/// announces, submissions, starts, cancels and events on one migration can never overwrite
/// each other; run writes are additionally guarded by the run's version. Multi-key reads use
/// `MULTI`/`EXEC` for a consistent snapshot. The key schema, record encoding and the
/// recommended server settings are documented in `REDIS-KEYS.md` next to this file.
///
/// Redis failures surface as ``LoomError`` `storeUnavailable` (the ``RedisError`` kept as cause).
public final class RedisStore: LoomStore {
    /// The key schema in use.
    public let keys: RedisStoreKeys
    /// Entries kept per run history (approximately: `XADD MAXLEN ~`).
    public let historyCap: Int
    /// The client all commands go through (usually a ``RedisConnectionPool``).
    public let client: any RedisClient
    /// Runs decoded for listings, reused while their version holds.
    let runCache = DecodedRunCache()

    /// The number of timer partitions.
    public var timerPartitionCount: Int { keys.partitionCount }

    /// Creates the store on `client`.
    ///
    /// - Parameters:
    ///   - keyPrefix: Prefix of every key (lets several Loom installations share one server).
    ///   - partitionCount: Timer partitions; fixed for the lifetime of the data.
    ///   - historyCap: History entries kept per run (approximate, at least this many).
    public init(
        client: any RedisClient,
        keyPrefix: String = "loom",
        partitionCount: Int = StorePartitioning.defaultCount,
        historyCap: Int = 1000
    ) {
        self.client = client
        self.keys = RedisStoreKeys(prefix: keyPrefix, partitionCount: max(1, partitionCount))
        self.historyCap = max(1, historyCap)
    }

    /// The same store — key schema, partitions, history cap — whose commands go through
    /// `client` instead.
    ///
    /// `loom-server` serves the expensive client reads (listings, migration reads with counts,
    /// recounts, histories, watches) through such a store on a pool of their own, so that slow
    /// reads never hold up, on a shared pipelined connection, the transitions and timer claims of
    /// the orchestrator.
    public func using(_ client: any RedisClient) -> RedisStore {
        RedisStore(client: client, keyPrefix: keys.prefix, partitionCount: keys.partitionCount, historyCap: historyCap)
    }

    /// Runs `body`, mapping Redis failures to ``LoomError`` `storeUnavailable`.
    func redis<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LoomError {
            throw error
        } catch let error as RedisError {
            throw LoomError(code: .storeUnavailable, message: "store unavailable during \(what): \(error.message)", cause: error)
        }
    }
}

// MARK: - Reply helpers

extension RESPValue {
    /// `nil` for RESP null and Lua `false` (which arrives as null or `#f`).
    var presentValue: RESPValue? {
        switch self.withoutAttributes {
        case .null, .boolean(false): return nil
        default: return self
        }
    }

    /// A hash reply (`HGETALL`) as a dictionary of strings.
    var stringDictionary: [String: String] {
        var result: [String: String] = [:]
        for pair in self.pairs ?? [] {
            if let key = pair.key.string { result[key] = pair.value.string ?? "" }
        }
        return result
    }
}

func malformedReply(_ what: String, _ reply: RESPValue) -> LoomError {
    LoomError.internal("unexpected Redis reply to \(what)", cause: RedisError(.protocolViolation, "\(reply)"))
}
