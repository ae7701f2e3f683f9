import Logging
import LoomCore
import LoomHTTP
import LoomRPC
import LoomTLS
import ServiceLifecycle
import UnixSignals

/// The orchestrator's timer loop as a lifecycle service: on shutdown it stops claiming timers
/// and waits for the transitions in flight.
struct OrchestratorService: ServiceLifecycle.Service {
    let orchestrator: Orchestrator

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await orchestrator.run()
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
