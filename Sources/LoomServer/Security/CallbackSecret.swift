import Foundation
import Logging
import LoomCore
import LoomRedis
import LoomStores
import LoomTLS

/// Where the callback-token signing key comes from.
///
/// 1. `--callback-secret-file`: the file's bytes (trailing newline ignored), at least 32.
/// 2. With Redis: a random key created once in Redis (`SET NX`) and shared by every replica,
///    so tokens survive restarts and verify on any replica.
/// 3. With the in-memory store: a random key per process (nothing survives a restart anyway).
enum CallbackSecret {
    static func signer(
        _ configuration: ServerConfiguration, store: any LoomStore, logger: Logger
    ) async throws -> HMACCallbackTokenSigner {
        if let path = configuration.callbackSecretPath {
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            while bytes.last == UInt8(ascii: "\n") || bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            do {
                return try HMACCallbackTokenSigner(key: bytes)
            } catch {
                throw ConfigurationError("--callback-secret-file \(path): \(error.message)")
            }
        }
        let fresh = try TLSCrypto.randomBytes(count: 32)
        guard let redis = store as? RedisStore else {
            logger.info("callback tokens are signed with a per-process key (in-memory store)")
            return try HMACCallbackTokenSigner(key: fresh)
        }
        let key = "\(redis.keys.prefix):callback-secret"
        let hex = fresh.map { String(format: "%02x", $0) }.joined()
        _ = try await redis.client.send(RedisCommand("SET", .string(key), .string(hex), "NX"))
        let stored = try await redis.client.send(RedisCommand("GET", .string(key)))
        guard case .bulkString(let buffer) = stored.withoutAttributes else {
            throw ConfigurationError("redis: cannot read the callback signing key at \(key)")
        }
        return try HMACCallbackTokenSigner(key: Array(buffer.readableBytesView))
    }
}
