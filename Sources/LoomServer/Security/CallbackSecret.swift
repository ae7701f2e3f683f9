import Foundation
import Logging
import LoomCore
import LoomRedis
import LoomStores
import LoomTLS
import Synchronization

/// The callback-token signing key, and where it comes from.
///
/// 1. `--callback-secret-file`: the file's bytes (trailing newline ignored), at least 32; read
///    at start.
/// 2. With Redis: a random key created once in Redis (`SET NX`) and shared by every replica,
///    so tokens survive restarts and verify on any replica. It is read by ``load(from:logger:)``
///    as soon as Redis answers: a server started while Redis is down runs unready (`/readyz`
///    503) until then, and the calls that need the key fail with ``LoomError/Code/notReady``.
/// 3. With the in-memory store: a random key per process (nothing survives a restart anyway).
final class CallbackKey: Sendable {
    private let loaded: Mutex<HMACCallbackTokenSigner?>

    private init(_ signer: HMACCallbackTokenSigner?) {
        self.loaded = Mutex(signer)
    }

    /// The key, once loaded.
    var signer: HMACCallbackTokenSigner? { loaded.withLock { $0 } }

    /// Whether the key is loaded (once `true`, it stays so).
    var isLoaded: Bool { signer != nil }

    /// The key of page tokens, derived from the callback key, once it is loaded.
    var pageTokenKey: [UInt8]? { signer?.derivedKey(label: "page tokens") }

    /// The key of the console's form (CSRF) tokens, derived from the callback key, once it is loaded.
    var consoleFormKey: [UInt8]? { signer?.derivedKey(label: "console forms") }

    /// The key as configured: loaded at once from `--callback-secret-file` or per process
    /// (in-memory store), or still to be loaded from Redis (``load(from:logger:)``).
    /// - Throws: ``ConfigurationError`` naming `--callback-secret-file` when the file is unusable.
    static func make(_ configuration: ServerConfiguration, store: any LoomStore, logger: Logger) throws -> CallbackKey {
        if let path = configuration.callbackSecretPath {
            var bytes: [UInt8]
            do {
                bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw ConfigurationError("--callback-secret-file \(path): cannot read it: \(error.localizedDescription)")
            }
            while bytes.last == UInt8(ascii: "\n") || bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            do {
                return CallbackKey(try HMACCallbackTokenSigner(key: bytes))
            } catch {
                throw ConfigurationError("--callback-secret-file \(path): \(error.message)")
            }
        }
        guard store is RedisStore else {
            logger.info("callback tokens are signed with a per-process key (in-memory store)")
            return CallbackKey(try HMACCallbackTokenSigner(key: try TLSCrypto.randomBytes(count: 32)))
        }
        return CallbackKey(nil)
    }

    /// Reads the key kept in Redis (creating it first if no replica did), retrying with
    /// exponential back-off (`initialBackoff` doubling up to 5 s) until it has it or the task
    /// is cancelled. Logs once per change of state (unreachable, unusable value, loaded), not
    /// per attempt.
    func load(from redis: RedisStore, logger: Logger, initialBackoff: Duration = .milliseconds(200)) async {
        var backoff = initialBackoff
        var lastProblem: String?
        while !Task.isCancelled && !isLoaded {
            let problem: String
            do {
                let signer = try await Self.read(from: redis)
                loaded.withLock { $0 = signer }
                if lastProblem != nil {
                    logger.notice("callback signing key loaded from Redis; the server is ready")
                } else {
                    logger.info("callback signing key loaded from Redis")
                }
                return
            } catch let error as LoomError where error.code == .invalidArgument {
                problem = "the callback signing key kept in Redis is unusable (\(error.message)); delete it to have a new one made, or use --callback-secret-file"
            } catch {
                problem = "Redis is not reachable: the callback signing key cannot be read yet; the server stays unready and keeps trying"
            }
            if problem != lastProblem {
                lastProblem = problem
                logger.error("\(problem)", metadata: ["key": "\(redis.keys.prefix):callback-secret"])
            }
            logger.debug("callback signing key not loaded; retrying", metadata: ["in": "\(backoff)"])
            do {
                try await Task.sleep(for: backoff)
            } catch {
                return
            }
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    /// One attempt: `SET NX` a fresh random key, then `GET` whichever key won.
    private static func read(from redis: RedisStore) async throws -> HMACCallbackTokenSigner {
        let key = "\(redis.keys.prefix):callback-secret"
        let hex = try TLSCrypto.randomBytes(count: 32).map { String(format: "%02x", $0) }.joined()
        _ = try await redis.client.send(RedisCommand("SET", .string(key), .string(hex), "NX"))
        let stored = try await redis.client.send(RedisCommand("GET", .string(key)))
        guard case .bulkString(let buffer) = stored.withoutAttributes else {
            throw LoomError.invalidArgument("the value at \(key) is not a string")
        }
        return try HMACCallbackTokenSigner(key: Array(buffer.readableBytesView))
    }
}

/// The orchestrator's token signer over a ``CallbackKey``: not ready until the key is loaded.
///
/// While it is not ready nothing issues or verifies tokens (the orchestrator claims no timers,
/// and the service refuses the calls that would with ``LoomError/Code/notReady``), so the empty
/// token and the failed verification below are never used.
struct CallbackKeySigner: CallbackTokenSigner {
    let key: CallbackKey

    func issue(_ claims: CallbackClaims) -> String { key.signer?.issue(claims) ?? "" }

    func verify(_ token: String) -> CallbackClaims? { key.signer?.verify(token) }

    var isReady: Bool { key.isLoaded }
}
