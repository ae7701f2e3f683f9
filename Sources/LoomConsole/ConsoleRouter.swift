import Foundation
import Logging
import LoomAPIService
import LoomCore
import NIOConcurrencyHelpers
import NIOHTTP1

/// Answers console requests: authentication, the pages, the event streams and the assets, with the
/// security headers on every response.
///
/// `GET` and `HEAD` serve pages; `POST` only the actions (``ConsoleAction``); anything else is 405. Unknown paths get 404, as an HTML page for a
/// browser and as JSON for anything else. Every page reads through the service with the caller's
/// read scope, after the same method-level decision as the RPC it stands for.
public struct ConsoleRouter: Sendable {
    let service: Service
    let authenticator: ConsoleAuthenticator
    let configuration: ConsoleConfiguration
    /// The open event streams (``ConsoleConfiguration/maxEventStreams``).
    public let streams: EventStreamLimiter
    let now: @Sendable () -> Timestamp
    let logger: Logger
    let csrf: CSRFTokens

    /// Creates the router.
    /// - Parameters:
    ///   - service: Loom's use cases.
    ///   - access: The authorization policy, shared with RPC.
    ///   - configuration: Auth mode, proxy settings and limits.
    ///   - formKey: Gives the key of the form (CSRF) tokens, shared by the replicas (`nil`, or while it
    ///     gives none: a random key of this process).
    ///   - now: The clock for relative times.
    ///   - logger: For unexpected errors.
    public init(
        service: Service, access: CallerAccess, configuration: ConsoleConfiguration,
        formKey: (@Sendable () -> [UInt8]?)? = nil,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(unixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)) },
        logger: Logger
    ) {
        self.service = service
        self.authenticator = ConsoleAuthenticator(configuration: configuration, access: access)
        self.configuration = configuration
        self.streams = EventStreamLimiter(limit: configuration.maxEventStreams)
        self.csrf = CSRFTokens(keySource: formKey)
        self.now = now
        self.logger = logger
    }

    /// The response to `request`, with the security headers.
    public func respond(to request: ConsoleRequest) async -> ConsoleResponse {
        var response = await route(request)
        for (name, value) in ConsoleResponse.securityHeaders { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }

    private func route(_ request: ConsoleRequest) async -> ConsoleResponse {
        guard let path = request.pathSegments else { return error(.badRequest, "the path is not valid percent-encoding", request) }
        if path.first == "api" { return await operatorAPI(request, path: Array(path.dropFirst())) }
        let isAction = path.count == 5 && path[0] == "migrations" && ConsoleAction(rawValue: path[4]) != nil
        guard request.method == .GET || request.method == .HEAD || (request.method == .POST && isAction) else {
            var response = ConsoleResponse.jsonError(.methodNotAllowed, isAction ? "an action is a POST" : "the console serves GET and HEAD only")
            response.headers.add(name: "allow", value: isAction ? "POST" : "GET, HEAD")
            return response
        }
        // Assets are not secret and carry no data: served before authentication (the login proxy may
        // let them through), so an error page is styled too.
        if path.first == "assets", path.count == 2, let asset = ConsoleAssets.named(path[1]) {
            return ConsoleResponse(
                status: .ok, headers: ["content-type": asset.contentType, "cache-control": "no-cache"], body: .bytes(Array(asset.body.utf8)))
        }
        let caller: ConsoleCaller
        switch authenticator.caller(of: request) {
        case .success(let found): caller = found
        case .failure(.unauthenticated(let reason)): return error(.unauthorized, reason, request)
        case .failure(.forbidden(let reason)): return error(.forbidden, reason, request)
        }
        do {
            if request.method == .POST { return try await perform(request, path: path, caller: caller) }
            switch path.count {
            case 0:
                try authorize(caller, "ListMigrations")
                let token = request.query["page"] ?? ""
                let page = try await service.listMigrations(pageSize: 100, pageToken: token, scope: caller.readScope)
                return .html(FleetView.render(page, caller: caller, token: token, now: now()))
            case 2 where path[0] == "migrations":
                try authorize(caller, "GetMigration", "ListCandidates")
                let query = try MigrationView.query(request.query)
                let migration = try await service.migration(id: path[1], scope: caller.readScope)
                let page = try await service.listCandidates(
                    migrationId: path[1], filter: query.filter, pageSize: configuration.pageSize, pageToken: query.token, scope: caller.readScope)
                let canStart = caller.decision(calling: ConsoleAction.start.method) == .allow
                return .html(MigrationView.render(migration, page: page, query: query, caller: caller, canStart: canStart, now: now()))
            case 4 where path[0] == "migrations" && path[2] == "candidates":
                try authorize(caller, "GetRun", "GetRunHistory")
                let run = try await service.run(migrationId: path[1], candidateId: path[3], scope: caller.readScope)
                let history = try await service.runHistory(migrationId: path[1], candidateId: path[3], limit: 200, scope: caller.readScope)
                return .html(RunView.render(run, history: history, caller: caller, actions: actions(for: run, caller: caller), now: now()))
            case 5 where path[0] == "migrations" && path[2] == "candidates" && path[4] == "cancel":
                return try await confirmCancel(path[1], path[3], caller: caller)
            case 5 where path[0] == "migrations" && path[2] == "candidates" && path[4] == "start":
                return try await startForm(path[1], path[3], caller: caller)
            case 2 where path[0] == "events" && path[1] == "fleet":
                try authorize(caller, "ListMigrations")
                let token = request.query["page"] ?? ""
                let service = self.service
                return try await stream {
                    EventStreams.fleet(every: configuration.fleetPollInterval) {
                        try await service.listMigrations(pageSize: 100, pageToken: token, scope: caller.readScope)
                    }
                }
            case 3 where path[0] == "events" && path[1] == "migrations":
                try authorize(caller, "WatchMigration")
                return try await stream {
                    EventStreams.migration(try await service.watchMigration(id: path[2], scope: caller.readScope))
                }
            case 5 where path[0] == "events" && path[1] == "migrations" && path[3] == "candidates":
                try authorize(caller, "WatchRun")
                let version = UInt64(request.query["version"] ?? "") ?? 0
                return try await stream {
                    EventStreams.run(try await service.watchRun(migrationId: path[2], candidateId: path[4], fromVersion: version, scope: caller.readScope))
                }
            default:
                return error(.notFound, "no such page", request)
            }
        } catch let refusal as ConsoleAuthenticator.Refusal {
            switch refusal {
            case .unauthenticated(let reason): return error(.unauthorized, reason, request)
            case .forbidden(let reason): return error(.forbidden, reason, request)
            }
        } catch let error as LoomError {
            return self.error(Self.status(of: error.code), error.message, request)
        } catch {
            logger.error("console request failed", metadata: ["path": "\(request.uri.prefix(200))", "error": "\(error)"])
            return self.error(.internalServerError, "internal error", request)
        }
    }

    /// Throws a refusal unless the caller may call every one of `methods` over RPC.
    func authorize(_ caller: ConsoleCaller, _ methods: String...) throws(ConsoleAuthenticator.Refusal) {
        for method in methods {
            switch caller.decision(calling: method) {
            case .allow: continue
            case .unauthenticated(let reason): throw .unauthenticated(reason)
            case .permissionDenied(let reason): throw .forbidden(reason)
            }
        }
    }

    /// An event stream, if a place is free (503 otherwise); the place is held until the stream ends.
    private func stream(_ open: () async throws -> AsyncThrowingStream<String, any Error>) async throws -> ConsoleResponse {
        guard streams.acquire() else {
            return .jsonError(.serviceUnavailable, "too many live views open (\(streams.limit)); reload later")
        }
        let events: AsyncThrowingStream<String, any Error>
        do {
            events = try await open()
        } catch {
            streams.release()
            throw error
        }
        let streams = self.streams
        let released = NIOLockedFlag()
        return ConsoleResponse(
            status: .ok,
            headers: ["content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no"],
            body: .events(events, release: { if released.set() { streams.release() } }))
    }

    private func error(_ status: HTTPResponseStatus, _ message: String, _ request: ConsoleRequest) -> ConsoleResponse {
        guard request.wantsHTML else { return .jsonError(status, message) }
        let page = HTML.group([
            .raw("<!DOCTYPE html>"),
            .element("html", [.init("lang", "en")], [
                .el("head", .void("meta", [.init("charset", "utf-8")]), .el("title", .text("\(status.code) · Loom")),
                    .void("link", [.init("rel", "stylesheet"), .href("/assets/console.css")])),
                .el("body", .element("main", [.id("main")], [
                    .el("h1", .text("\(status.code) \(status.reasonPhrase)")), .el("p", .text(message)),
                    .el("p", .el("a", [.href("/")], .text("Back to the fleet"))),
                ])),
            ]),
        ])
        return .html(page.render(), status: status)
    }

    /// The HTTP status for a service error.
    static func status(of code: LoomError.Code) -> HTTPResponseStatus {
        let table: [(LoomError.Code, HTTPResponseStatus)] = [
            (.invalidArgument, .badRequest), (.notFound, .notFound), (.unauthenticated, .unauthorized),
            (.permissionDenied, .forbidden), (.storeUnavailable, .serviceUnavailable), (.notReady, .serviceUnavailable),
            (.migratorUnavailable, .badGateway), (.migratorTimeout, .gatewayTimeout), (.migratorBadResponse, .badGateway),
            (.internal, .internalServerError),
        ]
        return table.first { $0.0 == code }?.1 ?? .conflict
    }
}

/// A flag that can be set once, from any thread.
final class NIOLockedFlag: Sendable {
    private let box = NIOLockedValueBox(false)

    /// Sets the flag; `true` only for the first call.
    func set() -> Bool {
        box.withLockedValue { value in
            defer { value = true }
            return !value
        }
    }
}
