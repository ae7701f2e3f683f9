import Logging
import LoomCore
import LoomHTTP
import LoomRPC
import LoomStores
import LoomTLS
import ServiceLifecycle
import UnixSignals

/// The orchestrator's timer loop as a lifecycle service: on shutdown it stops claiming timers
/// and waits for the transitions in flight. It throws ``ReplicaConflict`` (stopping the
/// server) when another live process uses the same replica id.
struct OrchestratorService: ServiceLifecycle.Service {
    let orchestrator: Orchestrator

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await orchestrator.run()
        }
    }
}

extension Parts {
    /// Rebuilds, once, the counts and listing indexes of migrations written before counts
    /// existed, retrying every 5 s while Redis is not reachable (logged when that starts and
    /// when it ends, not per attempt) until done or cancelled.
    static func upgradeCounts(_ redis: RedisStore, logger: Logger) async {
        var failing = false
        while !Task.isCancelled {
            do {
                let upgraded = try await redis.upgradeCounts()
                if !upgraded.isEmpty {
                    logger.notice(
                        "rebuilt the counts and listing indexes of migrations written by an earlier version",
                        metadata: ["migrations": "\(upgraded.joined(separator: ", "))"])
                }
                return
            } catch {
                if !failing {
                    failing = true
                    logger.warning("counts upgrade: store not reachable; retrying every 5 s", metadata: ["error": "\(error)"])
                }
                do {
                    try await Task.sleep(for: .seconds(5))
                } catch {
                    return
                }
            }
        }
    }
}

/// The RPC server as a lifecycle service: on shutdown it sends GOAWAY, lets calls finish, closes.
struct RPCServerService: ServiceLifecycle.Service {
    let server: RPCServer

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await server.serve()
        }
    }
}

/// The REST shim as a lifecycle service: on shutdown it stops accepting and closes when idle.
struct ShimService: ServiceLifecycle.Service {
    let shim: CallbackShim

    func run() async throws {
        try? await gracefulShutdown()
        try await shim.shutdown()
    }
}

/// Reloads TLS certificates on SIGHUP: new connections use the new files, open ones continue.
/// A file that fails to load leaves the previous certificates in place and is logged.
struct CertificateReloadService: ServiceLifecycle.Service {
    let contexts: [TLSContext]
    let logger: Logger

    func run() async throws {
        guard !contexts.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            for context in contexts {
                do {
                    try context.reload()
                    logger.notice("certificates reloaded (SIGHUP)")
                } catch {
                    logger.error("certificate reload failed; keeping the previous certificates", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
