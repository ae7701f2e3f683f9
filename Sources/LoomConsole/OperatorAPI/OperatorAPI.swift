import Foundation
import LoomAPIService
import LoomCore
import LoomHTTP
import LoomMigratorKit
import NIOHTTP1

/// A route of the reference operator API, served under `/api` on the console listener: the JSON routes the reference
/// system's console calls (its own base path is `/api` too), with the reference's request and response shapes.
enum OperatorRoute: Hashable, Sendable {
    /// `GET /api/migrations`.
    case listMigrations
    /// `GET /api/migrations/{id}`.
    case migration(String)
    /// `GET /api/migrations/{id}/candidates`.
    case candidates(String)
    /// `POST /api/migrations/{id}/dry-run`.
    case dryRun(String)
    /// `POST /api/migrations/{id}/candidates/{cid}/start`.
    case start(String, String)
    /// `POST /api/migrations/{id}/candidates/{cid}/cancel`.
    case cancel(String, String)
    /// `POST /api/migrations/{id}/candidates/{cid}/retry-step`.
    case retryStep(String, String)
    /// `PATCH /api/migrations/{id}/candidates/{cid}/inputs`.
    case inputs(String, String)
    /// `GET /api/migrations/{id}/candidates/{cid}/steps`.
    case steps(String, String)

    /// The route of `path` (the segments after `api`), whatever the method.
    init?(path: [String]) {
        switch path.count {
        case 1 where path[0] == "migrations": self = .listMigrations
        case 2 where path[0] == "migrations": self = .migration(path[1])
        case 3 where path[0] == "migrations" && path[2] == "candidates": self = .candidates(path[1])
        case 3 where path[0] == "migrations" && path[2] == "dry-run": self = .dryRun(path[1])
        case 5 where path[0] == "migrations" && path[2] == "candidates":
            let (m, c) = (path[1], path[3])
            switch path[4] {
            case "start": self = .start(m, c)
            case "cancel": self = .cancel(m, c)
            case "retry-step": self = .retryStep(m, c)
            case "inputs": self = .inputs(m, c)
            case "steps": self = .steps(m, c)
            default: return nil
            }
        default: return nil
        }
    }

    /// The method the route answers (a `GET` route answers `HEAD` too).
    var method: HTTPMethod {
        switch self {
        case .listMigrations, .migration, .candidates, .steps: .GET
        case .dryRun, .start, .cancel, .retryStep: .POST
        case .inputs: .PATCH
        }
    }

    /// The RPC methods whose authorization the route takes: a caller may do over this API exactly what it may do
    /// over RPC.
    var rpcMethods: [String] {
        switch self {
        case .listMigrations: ["ListMigrations", "ListCandidates"]
        case .migration: ["GetMigration", "ListCandidates"]
        case .candidates: ["ListCandidates"]
        case .dryRun: ["DryRun"]
        case .start: ["StartRun"]
        case .cancel: ["CancelRun"]
        case .retryStep: ["RetryStep"]
        case .inputs: ["UpdateCandidateInputs"]
        case .steps: ["GetRun"]
        }
    }
}

extension ConsoleRouter {
    /// Candidates embedded in each migration of `GET /api/migrations` (the reference embeds all; a fleet's would
    /// not fit a response).
    static let apiListCandidates = 100
    /// Candidates embedded in `GET /api/migrations/{id}`, and the most one page of `…/candidates` holds.
    static let apiCandidatePage = 1000
    /// Migrations in one page of `GET /api/migrations`.
    static let apiMigrationPage = 100
    /// The response header that carries the token of the next page of a listing (the reference's bodies are bare
    /// arrays or have no place for one).
    static let nextPageHeader = "loom-next-page-token"

    /// Answers a request under `/api` (`path` without `api`): authentication as for the pages, authorization as
    /// for the RPCs, JSON bodies, `{"error": …}` for every refusal.
    func operatorAPI(_ request: ConsoleRequest, path: [String]) async -> ConsoleResponse {
        guard let route = OperatorRoute(path: path) else { return .jsonError(.notFound, "no such API route") }
        let method = request.method == .HEAD ? .GET : request.method
        guard method == route.method else {
            var response = ConsoleResponse.jsonError(.methodNotAllowed, "this route answers \(route.method.rawValue)")
            response.headers.add(name: "allow", value: route.method == .GET ? "GET, HEAD" : route.method.rawValue)
            return response
        }
        let caller: ConsoleCaller
        switch authenticator.caller(of: request) {
        case .success(let found): caller = found
        case .failure(.unauthenticated(let reason)): return .jsonError(.unauthorized, reason)
        case .failure(.forbidden(let reason)): return .jsonError(.forbidden, reason)
        }
        do {
            for rpc in route.rpcMethods { try authorize(caller, rpc) }
            if route.method != .GET {
                // No CSRF token here (scripts call these): a browser's cross-site request is refused by its
                // Origin/Sec-Fetch-Site, and a body must be JSON, which a cross-site form cannot send.
                guard Self.isSameOrigin(request, trustingForwardedHost: configuration.auth == .proxy) else {
                    return .jsonError(.forbidden, "a cross-site request may not change anything")
                }
                if !request.body.isEmpty {
                    let type = request.headers.first(name: "content-type")?.lowercased() ?? ""
                    guard type.hasPrefix("application/json") else {
                        return .jsonError(.unsupportedMediaType, "the body must be application/json")
                    }
                }
            }
            return try await answer(route, request, caller: caller)
        } catch let refusal as ConsoleAuthenticator.Refusal {
            switch refusal {
            case .unauthenticated(let reason): return .jsonError(.unauthorized, reason)
            case .forbidden(let reason): return .jsonError(.forbidden, reason)
            }
        } catch let error as LoomError {
            return .jsonError(Self.status(of: error.code), error.message)
        } catch let error as JSONBodyError {
            return .jsonError(.badRequest, error.message)
        } catch {
            logger.error("console API request failed", metadata: ["path": "\(request.uri.prefix(200))", "error": "\(error)"])
            return .jsonError(.internalServerError, "internal error")
        }
    }

    private func answer(_ route: OperatorRoute, _ request: ConsoleRequest, caller: ConsoleCaller) async throws -> ConsoleResponse {
        let scope = caller.readScope
        switch route {
        case .listMigrations:
            let token = request.query["pageToken"] ?? ""
            let page = try await service.listMigrations(pageSize: Self.apiMigrationPage, pageToken: token, scope: scope)
            var migrations: [OperatorJSON.Migration] = []
            for migration in page.migrations {
                let candidates = try await service.listCandidates(migrationId: migration.id, pageSize: Self.apiListCandidates, scope: scope)
                migrations.append(OperatorJSON.Migration(migration, candidates: candidates.candidates, truncated: !candidates.nextPageToken.isEmpty))
            }
            return Self.json(OperatorJSON.ListMigrationsResponse(migrations: migrations), next: page.nextPageToken)
        case .migration(let id):
            let migration = try await service.migration(id: id, scope: scope)
            let candidates = try await service.listCandidates(migrationId: id, pageSize: Self.apiCandidatePage, scope: scope)
            return Self.json(OperatorJSON.Migration(migration, candidates: candidates.candidates, truncated: !candidates.nextPageToken.isEmpty))
        case .candidates(let id):
            let query = request.query
            var filter = try MigrationView.query(query).filter
            filter.idPrefix = query["idPrefix"] ?? ""
            var size = Self.apiCandidatePage
            if let text = query["pageSize"] {
                guard let value = Int(text), (1...Self.apiCandidatePage).contains(value) else {
                    throw LoomError.invalidArgument("pageSize must be a whole number from 1 to \(Self.apiCandidatePage)")
                }
                size = value
            }
            let page = try await service.listCandidates(
                migrationId: id, filter: filter, pageSize: size, pageToken: query["pageToken"] ?? "", scope: scope)
            return Self.json(page.candidates.map(ReferenceJSON.Candidate.init), next: page.nextPageToken)
        case .dryRun(let id):
            let body = try JSONCoding.decode(OperatorJSON.DryRunCandidateRequest.self, from: request.body)
            let result = try await service.dryRun(migrationId: id, candidate: body.candidate.domain, scope: scope)
            return Self.json(ReferenceJSON.DryRunResult(result))
        case .start(let id, let candidateId):
            let inputs = request.body.isEmpty ? [:] : try JSONCoding.decode(OperatorJSON.StartRequest.self, from: request.body).inputs ?? [:]
            _ = try await service.migration(id: id, scope: scope)
            let run = try await service.startRun(migrationId: id, candidateId: candidateId, inputs: inputs, startedBy: caller.identity?.value ?? "")
            log("start", id, candidateId, caller)
            return Self.json(["runId": run.id.description, "status": run.status.rawValue], status: .accepted)
        case .cancel(let id, let candidateId):
            _ = try await service.run(migrationId: id, candidateId: candidateId, scope: scope)
            _ = try await service.cancelRun(migrationId: id, candidateId: candidateId, reason: "cancelled by \(caller.identity?.value ?? "the console API")")
            log("cancel", id, candidateId, caller)
            return ConsoleResponse(status: .noContent, headers: ["cache-control": "no-store"], body: .bytes([]))
        case .retryStep(let id, let candidateId):
            let body = try JSONCoding.decode(OperatorJSON.RetryStepRequest.self, from: request.body)
            _ = try await service.run(migrationId: id, candidateId: candidateId, scope: scope)
            let run = try await service.retryStep(migrationId: id, candidateId: candidateId, stepName: body.stepName)
            log("retry-step", id, candidateId, caller)
            return Self.json(["runId": run.id.description, "status": run.status.rawValue], status: .accepted)
        case .inputs(let id, let candidateId):
            let body = try JSONCoding.decode(OperatorJSON.UpdateInputsRequest.self, from: request.body)
            _ = try await service.migration(id: id, scope: scope)
            _ = try await service.updateCandidateInputs(migrationId: id, candidateId: candidateId, inputs: body.inputs)
            log("inputs", id, candidateId, caller)
            return ConsoleResponse(status: .noContent, headers: ["cache-control": "no-store"], body: .bytes([]))
        case .steps(let id, let candidateId):
            let run = try await service.run(migrationId: id, candidateId: candidateId, scope: scope)
            guard let steps = OperatorJSON.CandidateStepsResponse(run) else {
                return .jsonError(.notFound, "no active or completed run for this candidate (its last run is \(run.status.rawValue))")
            }
            return Self.json(steps)
        }
    }

    private func log(_ action: String, _ migrationId: String, _ candidateId: String, _ caller: ConsoleCaller) {
        logger.notice(
            "console API action", metadata: ["action": "\(action)", "run": "\(migrationId)__\(candidateId)", "by": "\(caller.identity?.value ?? "-")"])
    }

    /// A JSON response, with the next page's token in ``nextPageHeader`` when there is one.
    static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok, next: String = "") -> ConsoleResponse {
        var response = ConsoleResponse(
            status: status, headers: ["content-type": "application/json", "cache-control": "no-store"], body: .bytes(JSONCoding.encode(value)))
        if !next.isEmpty { response.headers.add(name: nextPageHeader, value: next) }
        return response
    }
}
