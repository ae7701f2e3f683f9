import Foundation
import LoomAPIService
import LoomCore
import NIOHTTP1

/// The console's state changes: start a run (with the migration's required inputs), approve (or reject) the
/// current step, retry a failed step, cancel a run.
///
/// Each is a form POST to `/migrations/{id}/candidates/{cid}/{start|approve|reject|retry|cancel}` and is allowed
/// exactly as its RPC is (`StartRun`, `ReportStepEvent`, `RetryStep`, `CancelRun`): the page shows no button a caller may not
/// use, and a forged POST is refused with 403 all the same. Every POST carries a CSRF token (an HMAC of
/// the caller's identity under a key drawn at start) that another site cannot read, and a cross-site
/// `Origin` or `Sec-Fetch-Site` is refused outright. A cancel is confirmed on a page of its own first.
/// Success answers 303 to the run page (post, redirect, get).
enum ConsoleAction: String, CaseIterable, Sendable {
    case start
    case approve
    case reject
    case retry
    case cancel

    /// The RPC method the action stands for (its authorization).
    var method: String {
        switch self {
        case .start: "StartRun"
        case .approve, .reject: "ReportStepEvent"
        case .retry: "RetryStep"
        case .cancel: "CancelRun"
        }
    }
}

/// The CSRF token of a caller: HMAC-SHA256 of its identity, hex, under the key `keySource` gives (derived from
/// the callback key the replicas share, so a form served by one replica posts to any), or, while it gives
/// none (callback auth off, or the key not loaded yet), under a random key of this process.
struct CSRFTokens: Sendable {
    private let keySource: (@Sendable () -> [UInt8]?)?
    private let processKey: HMACSHA256.Key

    /// Tokens under `keySource`'s key, else a fresh random one.
    init(keySource: (@Sendable () -> [UInt8]?)? = nil) {
        var generator = SystemRandomNumberGenerator()
        self.keySource = keySource
        self.processKey = HMACSHA256.Key((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    private var key: HMACSHA256.Key {
        keySource?().map { HMACSHA256.Key($0) } ?? processKey
    }

    /// The token for `caller`.
    func token(for caller: ConsoleCaller) -> String {
        let subject = "loom-console-csrf\u{0}" + (caller.identity.map { "\($0)" } ?? "")
        return key.mac(Array(subject.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `presented` is `caller`'s token (compared in constant time).
    func verify(_ presented: String?, for caller: ConsoleCaller) -> Bool {
        guard let presented else { return false }
        return HMACSHA256.constantTimeEquals(Array(presented.utf8), Array(token(for: caller).utf8))
    }
}

extension ConsoleRouter {
    /// What the run page offers `caller` for `run`, and the token its forms carry.
    func actions(for run: Run, caller: ConsoleCaller) -> RunView.Actions {
        let allowed = { (action: ConsoleAction) in caller.decision(calling: action.method) == .allow }
        let status = run.currentResult?.status
        return RunView.Actions(
            csrf: csrf.token(for: caller),
            approve: !run.status.isFinished && run.status == .running && status?.isPending == true && allowed(.approve),
            retry: run.status == .waitingRetry && allowed(.retry),
            cancel: !run.status.isFinished && allowed(.cancel))
    }

    /// A POST: the caller is authenticated already; authorization, then the CSRF checks, then the change.
    func perform(_ request: ConsoleRequest, path: [String], caller: ConsoleCaller) async throws -> ConsoleResponse {
        guard path.count == 5, path[0] == "migrations", path[2] == "candidates", let action = ConsoleAction(rawValue: path[4]) else {
            return .jsonError(.notFound, "no such action")
        }
        let (migrationId, candidateId) = (path[1], path[3])
        try authorize(caller, action.method)
        let form = request.form
        guard Self.isSameOrigin(request, trustingForwardedHost: configuration.auth == .proxy), csrf.verify(form["csrf"], for: caller) else {
            throw ConsoleAuthenticator.Refusal.forbidden("the form's CSRF token is missing or wrong; reload the page and try again")
        }
        switch action {
        case .start:
            var inputs: [String: String] = [:]
            for (name, value) in form where name.hasPrefix("input.") { inputs[String(name.dropFirst(6))] = value }
            _ = try await service.migration(id: migrationId, scope: caller.readScope)
            _ = try await service.startRun(
                migrationId: migrationId, candidateId: candidateId, inputs: inputs, startedBy: caller.identity?.value ?? "")
        case .approve, .reject:
            let run = try await service.run(migrationId: migrationId, candidateId: candidateId, scope: caller.readScope)
            guard let step = form["step"], step == run.currentStepDefinition?.name else {
                throw LoomError.invalidArgument("step must be the run's current step (\(run.currentStepDefinition?.name ?? "none"))")
            }
            let reason = action == .reject ? String((form["reason"] ?? "rejected in the console").prefix(1000)) : ""
            _ = try await service.reportStepEvent(
                runID: run.id.description, credential: .trustedCaller,
                event: StepEvent(stepName: step, candidateId: candidateId, success: action == .approve, failureReason: reason),
                scope: caller.changeScope)
        case .retry:
            guard let step = form["step"], !step.isEmpty else { throw LoomError.invalidArgument("step is required") }
            try await requireReadable(migrationId, candidateId, caller)
            _ = try await service.retryStep(migrationId: migrationId, candidateId: candidateId, stepName: step)
        case .cancel:
            guard form["confirm"] == "yes" else { throw LoomError.invalidArgument("confirm must be yes") }
            try await requireReadable(migrationId, candidateId, caller)
            let who = caller.identity?.value ?? "the console"
            let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespaces)
            _ = try await service.cancelRun(
                migrationId: migrationId, candidateId: candidateId, reason: String((reason.isEmpty ? "cancelled by \(who)" : reason).prefix(1000)))
        }
        logger.notice(
            "console action", metadata: ["action": "\(action.rawValue)", "run": "\(migrationId)__\(candidateId)", "by": "\(caller.identity?.value ?? "-")"])
        var response = ConsoleResponse(status: .seeOther, headers: ["cache-control": "no-store"], body: .bytes([]))
        response.headers.add(name: "location", value: Layout.runPath(migrationId, candidateId))
        return response
    }

    /// The cancel confirmation page (`GET …/cancel`).
    func confirmCancel(_ migrationId: String, _ candidateId: String, caller: ConsoleCaller) async throws -> ConsoleResponse {
        try authorize(caller, ConsoleAction.cancel.method, "GetRun")
        let run = try await service.run(migrationId: migrationId, candidateId: candidateId, scope: caller.readScope)
        let back = Layout.runPath(migrationId, candidateId)
        let form: HTML = .el("form", [.init("method", "post"), .init("action", back + "/cancel"), .class("confirm")],
            .void("input", [.init("type", "hidden"), .init("name", "csrf"), .init("value", csrf.token(for: caller))]),
            .void("input", [.init("type", "hidden"), .init("name", "confirm"), .init("value", "yes")]),
            .el("p", .text("Cancel the run of "), .el("strong", .text(candidateId)), .text(" (now \(run.status.rawValue))? "),
                .text("Its current step is abandoned; the migrator is not asked to undo anything.")),
            .el("label", [.init("for", "c-reason")], .text("Reason")),
            .void("input", [.id("c-reason"), .init("name", "reason"), .init("type", "text"), .init("maxlength", "1000"), .init("autofocus", nil)]),
            .el("div", [.class("buttons")],
                .el("button", [.init("type", "submit"), .class("danger")], .text("Cancel the run")),
                .el("a", [.href(back)], .text("Keep it running"))))
        return .html(Layout.page(
            title: "Cancel \(candidateId)?", caller: caller,
            crumbs: [(migrationId, Layout.migrationPath(migrationId)), (candidateId, back), ("cancel", nil)], form))
    }

    /// The start form (`GET …/start`): one labelled, required field per input the migration asks for.
    func startForm(_ migrationId: String, _ candidateId: String, caller: ConsoleCaller) async throws -> ConsoleResponse {
        try authorize(caller, ConsoleAction.start.method, "GetMigration")
        let migration = try await service.migration(id: migrationId, scope: caller.readScope)
        try CandidateID.validate(candidateId)
        let base = Layout.runPath(migrationId, candidateId)
        let fields: [HTML] = migration.requiredInputs.enumerated().map { index, input in
            .group([
                .el("label", [.init("for", "i-\(index)")], .text(input.label.isEmpty ? input.name : input.label), .text(" "),
                    .el("span", [.class("sub")], .text("(\(input.name))"))),
                .void("input", [.id("i-\(index)"), .init("name", "input.\(input.name)"), .init("type", "text"), .init("required", nil), .init("maxlength", "1024")]),
            ])
        }
        let form: HTML = .el("form", [.init("method", "post"), .init("action", base + "/start"), .class("confirm")],
            .void("input", [.init("type", "hidden"), .init("name", "csrf"), .init("value", csrf.token(for: caller))]),
            .el("p", .text("Start a run of "), .el("strong", .text(migration.name.isEmpty ? migrationId : migration.name)),
                .text(" for "), .el("strong", .text(candidateId)), .text(": \(migration.steps.count) step\(migration.steps.count == 1 ? "" : "s").")),
            .group(fields),
            .el("div", [.class("buttons")],
                .el("button", [.init("type", "submit"), .class("primary"), .id("action-start")], .text("Start the run")),
                .el("a", [.href(Layout.migrationPath(migrationId))], .text("Back"))))
        return .html(Layout.page(
            title: "Start \(candidateId)", caller: caller,
            crumbs: [(migrationId, Layout.migrationPath(migrationId)), (candidateId, nil), ("start", nil)], form))
    }

    /// Throws unless the caller may read the migration (its scope); the run must exist.
    private func requireReadable(_ migrationId: String, _ candidateId: String, _ caller: ConsoleCaller) async throws {
        _ = try await service.run(migrationId: migrationId, candidateId: candidateId, scope: caller.readScope)
    }

    /// Refuses requests a browser marks as coming from another site: `Sec-Fetch-Site` other than
    /// `same-origin`/`none`, or an `Origin` whose host is not the request's `Host` (nor, behind the trusted
    /// proxy, which may rewrite `Host`, its `X-Forwarded-Host`). `Origin: null` is refused.
    static func isSameOrigin(_ request: ConsoleRequest, trustingForwardedHost: Bool) -> Bool {
        if let site = request.headers.first(name: "sec-fetch-site"), !["same-origin", "none"].contains(site.lowercased()) { return false }
        guard let origin = request.headers.first(name: "origin") else { return true }
        guard let url = URL(string: origin), let originHost = url.host else { return false }
        let originAuthority = (url.port.map { "\(originHost):\($0)" } ?? originHost).lowercased()
        var hosts = request.headers["host"]
        if trustingForwardedHost { hosts += request.headers["x-forwarded-host"] }
        return hosts.contains { $0.lowercased() == originAuthority }
    }
}
