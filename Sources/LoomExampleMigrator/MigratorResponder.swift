import Foundation
import LoomHTTP
import LoomMigratorKit
import NIOHTTP1

/// Routes the migrator's HTTP requests: `POST /dispatch-step`, `POST /dry-run`, `POST /step-status`,
/// `GET /healthz`.
///
/// Bodies are the reference JSON contract (`ReferenceJSON`), so this is also what a migrator
/// in any language has to serve.
public struct MigratorResponder: Sendable {
    let engine: MigratorEngine

    /// Creates the responder over `engine`.
    public init(engine: MigratorEngine) {
        self.engine = engine
    }

    /// Answers one request.
    public func respond(to request: MigratorHTTPRequest) async -> MigratorHTTPResponse {
        switch (request.method, request.path) {
        case (.POST, "/dispatch-step"):
            guard let dispatch = try? JSONDecoder().decode(ReferenceJSON.DispatchStepRequest.self, from: Data(request.body)) else {
                return Self.error(.badRequest, "malformed DispatchStepRequest")
            }
            let accepted = await engine.accept(dispatch)
            return Self.json(.accepted, ["status": accepted ? "accepted" : "duplicate"])
        case (.POST, "/dry-run"):
            guard let dryRun = try? JSONDecoder().decode(ReferenceJSON.DryRunRequest.self, from: Data(request.body)) else {
                return Self.error(.badRequest, "malformed DryRunRequest")
            }
            do {
                let result = try await engine.dryRun(dryRun)
                return MigratorHTTPResponse(status: .ok, body: Array(try JSONEncoder().encode(result)))
            } catch {
                return Self.error(.internalServerError, "\(error)")
            }
        case (.POST, "/step-status"):
            guard let status = try? JSONDecoder().decode(ReferenceJSON.StepStatusRequest.self, from: Data(request.body)) else {
                return Self.error(.badRequest, "malformed StepStatusRequest")
            }
            switch await engine.status(ofKey: status.idempotencyKey) {
            case .reported(let event):
                // The latest event of the key, exactly the body of its callback.
                return MigratorHTTPResponse(status: .ok, body: Array((try? JSONEncoder().encode(event)) ?? Data()))
            case .working:
                return Self.json(.accepted, ["status": "working"])
            case .unknown:
                return Self.error(.notFound, "unknown idempotency key")
            }
        case (.GET, "/healthz"):
            return Self.json(.ok, ["status": "ok"])
        default:
            return Self.error(.notFound, "no route \(request.method) \(request.path)")
        }
    }

    static func json(_ status: HTTPResponseStatus, _ object: [String: String]) -> MigratorHTTPResponse {
        MigratorHTTPResponse(status: status, body: Array((try? JSONEncoder().encode(object)) ?? Data()))
    }

    static func error(_ status: HTTPResponseStatus, _ message: String) -> MigratorHTTPResponse {
        json(status, ["error": message])
    }
}
