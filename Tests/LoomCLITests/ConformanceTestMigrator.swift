import Logging
import LoomMigratorKit
import NIOConcurrencyHelpers

/// An in-process migrator for the conformance checker's tests: correct by default, with deliberate flaws to
/// switch on one at a time. It serves /dispatch-step, /dry-run and /step-status with the kit's server and
/// posts its one event per execution (`success`, phase `open`) with the kit's client.
final class ConformanceTestMigrator: Sendable {
    /// The contract breaches the tests ask for.
    struct Flaws: OptionSet, Sendable {
        let rawValue: Int
        /// Echoes a token other than the dispatch's.
        static let wrongToken = Flaws(rawValue: 1 << 0)
        /// Never posts an event.
        static let noCallback = Flaws(rawValue: 1 << 1)
        /// Answers the dry run with `{"results": …}` instead of a `DryRunResult`.
        static let wrongDryRunShape = Flaws(rawValue: 1 << 2)
        /// Executes every dispatch it receives, re-sends included.
        static let executesTwice = Flaws(rawValue: 1 << 3)
        /// Has no /step-status (404).
        static let noStepStatus = Flaws(rawValue: 1 << 4)
        /// Accepts a body that is not JSON with 202.
        static let acceptsGarbage = Flaws(rawValue: 1 << 5)
        /// Answers /step-status with an outcome it never sent (`merged`).
        static let statusLies = Flaws(rawValue: 1 << 6)
    }

    static let migrationID = "conformance-test"
    static let steps = [
        ReferenceJSON.StepDefinition(name: "edit", migratorApp: "test-migrator", type: "edit", config: ["k": "v"]),
        ReferenceJSON.StepDefinition(name: "review", migratorApp: "test-migrator", type: "manual-review"),
    ]

    let flaws: Flaws
    private let server: JSONHTTPServer
    private let client = JSONHTTPClient(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    /// Latest event per idempotency key (`nil`: still working).
    private let state = NIOLockedValueBox([String: ReferenceJSON.StepCompletedEvent?]())
    /// How many executions started.
    let executions = NIOLockedValueBox(0)

    var url: String { "http://127.0.0.1:\(server.port)" }

    private init(flaws: Flaws, server: JSONHTTPServer) {
        self.flaws = flaws
        self.server = server
    }

    /// Starts a migrator on a free port.
    static func start(_ flaws: Flaws = []) async throws -> ConformanceTestMigrator {
        let box = NIOLockedValueBox<ConformanceTestMigrator?>(nil)
        let server = try await JSONHTTPServer.start(
            .init(host: "127.0.0.1", port: 0), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        ) { request in
            guard let migrator = box.withLockedValue({ $0 }) else { return .error(.serviceUnavailable, "starting") }
            return await migrator.respond(request)
        }
        let migrator = ConformanceTestMigrator(flaws: flaws, server: server)
        box.withLockedValue { $0 = migrator }
        return migrator
    }

    /// The announcement, pointing at this migrator.
    func announcement(candidates: [ReferenceJSON.Candidate] = [.init(id: "acme/api", kind: "repository")]) -> ReferenceJSON.MigrationAnnouncement {
        ReferenceJSON.MigrationAnnouncement(
            id: Self.migrationID, name: "Conformance test", description: nil, candidates: candidates, steps: Self.steps, migratorUrl: url)
    }

    /// Announces to a shim at `shimURL`, with `token` as the bearer credential.
    func announce(to shimURL: String, token: String? = "migrator-token") async throws -> Int {
        try await client.post(
            "\(shimURL)/registry/announce", headers: token.map { [("authorization", "Bearer \($0)")] } ?? [],
            json: announcement(), timeout: .seconds(5)
        ).status
    }

    func stop() async {
        try? await server.close()
    }

    private func respond(_ request: JSONHTTPRequest) async -> JSONHTTPResponse {
        guard request.method == .POST else { return .error(.methodNotAllowed, "use POST") }
        switch request.path {
        case "/dispatch-step": return dispatch(request)
        case "/dry-run": return dryRun(request)
        case "/step-status" where !flaws.contains(.noStepStatus): return stepStatus(request)
        default: return .error(.notFound, "no route")
        }
    }

    private func dispatch(_ request: JSONHTTPRequest) -> JSONHTTPResponse {
        let dispatch: ReferenceJSON.DispatchStepRequest
        do {
            dispatch = try request.decode(ReferenceJSON.DispatchStepRequest.self)
        } catch {
            return flaws.contains(.acceptsGarbage) ? .json(.accepted, ["status": "accepted"]) : .error(.badRequest, error.message)
        }
        let key = request.header("idempotency-key") ?? dispatch.idempotencyKey ?? dispatch.callbackId
        let isNew = state.withLockedValue { known in
            guard known[key] == nil else { return false }
            known[key] = .some(nil)
            return true
        }
        guard isNew || flaws.contains(.executesTwice) else { return .json(.accepted, ["status": "duplicate"]) }
        executions.withLockedValue { $0 += 1 }
        let event = ReferenceJSON.StepCompletedEvent(
            stepName: dispatch.stepName, candidateId: dispatch.candidate.id, success: true, phase: "open",
            metadata: ["prUrl": "https://git.example/pr/1"])
        state.withLockedValue { $0[key] = event }
        if !flaws.contains(.noCallback), let callbackURL = dispatch.callbackUrl {
            let token = flaws.contains(.wrongToken) ? "not-the-token" : dispatch.callbackToken ?? ""
            let client = self.client
            Task {
                _ = try? await client.post(callbackURL, headers: [("authorization", "Bearer \(token)")], json: event, timeout: .seconds(5))
            }
        }
        return .json(.accepted, ["status": "accepted"])
    }

    private func dryRun(_ request: JSONHTTPRequest) -> JSONHTTPResponse {
        let dryRun: ReferenceJSON.DryRunRequest
        do {
            dryRun = try request.decode(ReferenceJSON.DryRunRequest.self)
        } catch {
            return .error(.badRequest, error.message)
        }
        let steps = dryRun.steps.map { step in
            step.type == "manual-review"
                ? ReferenceJSON.StepDryRunResult(stepName: step.name, skipped: true)
                : ReferenceJSON.StepDryRunResult(
                    stepName: step.name, skipped: false,
                    files: [.init(path: "deploy/app.yaml", repo: dryRun.candidate.id, before: "a\n", after: "b\n", status: .modified)])
        }
        if flaws.contains(.wrongDryRunShape) {
            return .json(.ok, ["results": steps])
        }
        return .json(.ok, ReferenceJSON.DryRunResult(steps: steps))
    }

    private func stepStatus(_ request: JSONHTTPRequest) -> JSONHTTPResponse {
        let key = request.header("idempotency-key") ?? ""
        switch state.withLockedValue({ $0[key] }) {
        case .none: return .error(.notFound, "unknown idempotency key")
        case .some(.none): return .json(.accepted, ["status": "working"])
        case .some(.some(var event)):
            if flaws.contains(.statusLies) { event.phase = "merged" }
            return .json(.ok, event)
        }
    }
}
