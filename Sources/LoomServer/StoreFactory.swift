import Foundation
import Logging
import LoomCore
import LoomRedis
import LoomStores
import LoomTLS
import NIOCore

/// Opens the configured store: Redis when `--redis` is given, else the embedded in-memory store.
enum StoreFactory {
    /// The store and its readiness probe (`GET /readyz`: the store answers).
    static func make(
        _ configuration: ServerConfiguration, group: any EventLoopGroup, logger: Logger
    ) async throws -> (any LoomStore, @Sendable () async -> Bool) {
        guard let url = configuration.redisURL else {
            logger.warning(
                "no --redis: using the EMBEDDED IN-MEMORY STORE. State is NOT durable: a restart loses every migration and run. Use --redis for anything but a trial.")
            return (InMemoryStore(), { true })
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
        // The settings are checked once below, with our own wording; not again by the pool.
        let pool = RedisConnectionPool(
            configuration: redis, options: .init(checkServerSettingsOnConnect: false), group: group, logger: logger)
        do {
            let settings = try await pool.checkServerSettings()
            for warning in settings.warnings { logger.warning("redis: \(warning)") }
            logger.info("store: redis", metadata: ["redis": "\(redis)"])
        } catch {
            logger.error(
                "store: redis is not reachable yet; the server starts unready and keeps trying",
                metadata: ["redis": "\(redis)", "error": "\(error)"])
        }
        let store = RedisStore(client: pool)
        return (store, { (try? await pool.send(RedisCommand("PING"), timeout: .seconds(2))) != nil })
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
