import Logging
import NIOCore
import NIOPosix

/// Serves a ``Migrator`` to Loom over HTTP/1.1 (HTTPS with a TLS context in the configuration).
///
/// Routes, with the answers the contract documents (docs/writing-a-migrator.md):
///
/// | Route | Answer |
/// |---|---|
/// | `POST /dispatch-step` | 202 `{"status":"accepted"}`; a re-send of a known `Idempotency-Key` 202 `{"status":"duplicate"}` without calling the migrator again |
/// | `POST /dry-run` | 200 with the `DryRunResult`; 500 `{"error":…}` when the migrator throws |
/// | `POST /step-status` | 200 with the step's latest event, 202 while working, 404 for an unknown key or when not served |
/// | `GET /healthz` | 200 `{"status":"ok"}` |
///
/// A body that is not the expected JSON answers 400 `{"error":…}` naming the field; a body over the limit 413;
/// another path 404; another method 405.
public final class MigratorServer: Sendable {
    /// The dispatches accepted so far (and their latest events, when reported through a ``LoomConnection``
    /// sharing it).
    public let ledger: DispatchLedger
    private let server: JSONHTTPServer

    private init(ledger: DispatchLedger, server: JSONHTTPServer) {
        self.ledger = ledger
        self.server = server
    }

    /// The bound port.
    public var port: Int { server.port }

    /// Binds and starts serving `migrator`.
    public static func start(
        _ migrator: some Migrator,
        configuration: JSONHTTPServer.Configuration,
        ledger: DispatchLedger = DispatchLedger(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> MigratorServer {
        let router = router(for: migrator, ledger: ledger, logger: logger)
        let server = try await JSONHTTPServer.start(configuration, group: group, logger: logger, router: router)
        return MigratorServer(ledger: ledger, server: server)
    }

    /// The routes of a migrator, for serving them with other routes or calling them without a socket.
    public static func router(for migrator: some Migrator, ledger: DispatchLedger, logger: Logger) -> JSONHTTPRouter {
        var router = JSONHTTPRouter()
        router.add(.POST, "/dispatch-step") { request in
            let dispatch: ReferenceJSON.DispatchStepRequest
            do { dispatch = try request.decode(ReferenceJSON.DispatchStepRequest.self) } catch {
                return .error(.badRequest, "malformed DispatchStepRequest: \(error)")
            }
            var key = DispatchLedger.key(of: dispatch)
            if dispatch.idempotencyKey?.isEmpty ?? true, let header = request.header("idempotency-key"), !header.isEmpty {
                key = header
            }
            guard await ledger.register(key) else {
                logger.info("duplicate dispatch answered, not started again", metadata: ["key": "\(key)"])
                return .json(.accepted, ["status": "duplicate"])
            }
            await migrator.dispatch(dispatch)
            return .json(.accepted, ["status": "accepted"])
        }
        router.add(.POST, "/dry-run") { request in
            let dryRun: ReferenceJSON.DryRunRequest
            do { dryRun = try request.decode(ReferenceJSON.DryRunRequest.self) } catch {
                return .error(.badRequest, "malformed DryRunRequest: \(error)")
            }
            do {
                return .json(.ok, try await migrator.dryRun(dryRun))
            } catch {
                logger.warning("dry run failed", metadata: ["candidate": "\(dryRun.candidate.id)", "error": "\(error)"])
                return .error(.internalServerError, "dry run failed: \(error)")
            }
        }
        router.add(.POST, "/step-status") { request in
            let status: ReferenceJSON.StepStatusRequest
            do { status = try request.decode(ReferenceJSON.StepStatusRequest.self) } catch {
                return .error(.badRequest, "malformed StepStatusRequest: \(error)")
            }
            switch await migrator.stepStatus(status) {
            case .reported(let event): return .json(.ok, event)
            case .working: return .json(.accepted, ["status": "working"])
            case .unknown: return .error(.notFound, "unknown idempotency key")
            case .notServed: return .error(.notFound, "step status not served by this migrator")
            }
        }
        router.add(.GET, "/healthz") { _ in .json(.ok, ["status": "ok"]) }
        return router
    }

    /// Stops accepting connections and closes the listener.
    public func close() async throws {
        try await server.close()
    }
}
