import Foundation
import Logging
import LoomCore
import LoomRedis
import LoomStores
import LoomTLS
import NIOCore

/// Opens the configured store: Redis when `--redis` is given, else the embedded in-memory store.
///
/// With Redis there are two connection pools (two lanes): `--redis-connections` for the
/// orchestrator — transitions, timer claims, starts, events, and one-key reads (GetRun) — and
/// `--redis-read-connections` for the expensive client reads (listings, migration reads with
/// counts, recounts, histories, watches). A connection is
/// pipelined: a command waits for every command written before it on that connection, so slow
/// client reads sharing the orchestrator's connections would hold its transitions up (issue #16:
/// 40 listing reads made timer claims fail for 11 s). With two lanes they never share one.
enum StoreFactory {
    /// The orchestrator's store, the store client reads go through (the same data over the
    /// read lane), the readiness probe (`GET /readyz`: the store answers), and `close`, which
    /// shuts the connections down (the server calls it last, when it stops).
    static func make(
        _ configuration: ServerConfiguration, group: any EventLoopGroup, logger: Logger
    ) async throws -> (
        store: any LoomStore, reads: any LoomStore, readiness: @Sendable () async -> Bool, close: @Sendable () async -> Void
    ) {
        guard let url = configuration.redisURL else {
            logger.warning(
                "no --redis: using the EMBEDDED IN-MEMORY STORE. State is NOT durable: a restart loses every migration and run. Use --redis for anything but a trial.")
            let store = InMemoryStore()
            return (store, store, { true }, {})
        }
        var redis: RedisConfiguration
        do {
            redis = try RedisConfiguration(url: url)
        } catch {
            throw ConfigurationError("--redis: \(error)")
        }
        redis.clientName = "loom-server"
        if redis.useTLS {
            let context: TLSContext
            do {
                context = try TLSContext.client(.defaults {
                    $0.trustRootsPath = configuration.migratorCAPath ?? configuration.tls?.trustedCAPath
                    $0.minimumVersion = .tls1_2
                })
            } catch {
                throw ConfigurationError("--redis rediss://: cannot set up TLS: \(error)")
            }
            redis.tlsProvider = LoomTLSRedisProvider(context: context, logger: logger)
        }
        // The settings are checked once below, with our own wording; not again by the pools.
        let pool = RedisConnectionPool(
            configuration: redis, options: .init(size: configuration.redisConnections, checkServerSettingsOnConnect: false),
            group: group, logger: logger)
        var readLane = redis
        readLane.clientName = "loom-server-reads"
        let readPool = RedisConnectionPool(
            configuration: readLane, options: .init(size: configuration.redisReadConnections, checkServerSettingsOnConnect: false),
            group: group, logger: logger)
        do {
            let settings = try await pool.checkServerSettings()
            for warning in settings.warnings { logger.warning("redis: \(warning)") }
            logger.info(
                "store: redis",
                metadata: [
                    "redis": "\(redis)", "connections": "\(configuration.redisConnections)",
                    "read-connections": "\(configuration.redisReadConnections)",
                ])
        } catch {
            logger.error(
                "store: redis is not reachable yet; the server starts unready and keeps trying",
                metadata: ["redis": "\(redis)", "error": "\(error)"])
        }
        let store = RedisStore(client: pool)
        return (
            store, store.using(readPool), { (try? await pool.send(RedisCommand("PING"), timeout: .seconds(2))) != nil },
            {
                await pool.shutdown()
                await readPool.shutdown()
            }
        )
    }
}

/// `rediss://` connections through LoomTLS (OpenSSL), verifying the server's name.
struct LoomTLSRedisProvider: RedisTLSProvider {
    let context: TLSContext
    let logger: Logger

    func makeClientHandler(serverHostname: String) throws -> any ChannelHandler {
        try TLSHandler(context: context, serverHostname: serverHostname, logger: logger)
    }
}
