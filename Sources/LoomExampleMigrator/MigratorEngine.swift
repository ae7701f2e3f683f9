import Foundation
import Logging
import LoomAPI
import LoomHTTP
import LoomMigratorKit
import LoomProto
import LoomRPC

/// Executes dispatched steps and answers dry runs for ``ExampleMigration``.
///
/// A dispatch is acknowledged at once (202); the work runs afterwards and its outcome goes
/// back to Loom as step events over RPC, with the dispatch's callback token:
/// - code steps: the change is committed on a branch (`open`, with a `prUrl`), then merged into
///   the default branch after ``mergeDelay`` (`success`, `metadata.phase = merged`, `commitSha`);
/// - `manual-review`: `awaiting_review` with the instructions; an operator approves in Loom;
/// - a manifest the step cannot handle: `success: false` with the reason.
/// Re-sent dispatches (same idempotency key) are not executed twice. Every key's latest event is
/// remembered, so that `POST /step-status` can answer it when its callback was lost.
public actor MigratorEngine {
    /// Sends one step event to Loom (``LoomClient/reportStepEvent(_:options:)`` in production).
    public typealias EventSender = @Sendable (ReportStepEventRequest) async throws -> ReportStepEventResponse
    /// Waits between callback attempts (`Task.sleep` in production).
    public typealias Sleeper = @Sendable (Duration) async -> Void

    /// Where a dispatched step stands, as `POST /step-status` answers it.
    public enum StepStatus: Sendable, Equatable {
        /// The key was never dispatched here (or was forgotten).
        case unknown
        /// Dispatched; no event reported yet.
        case working
        /// The latest event reported for the key (delivered or not), as the callback's JSON body.
        case reported(ReferenceJSON.StepCompletedEvent)
    }

    /// How callbacks are retried after a transient failure (Loom down, starting, or overloaded).
    public struct CallbackRetry: Sendable, Equatable {
        /// Sends in all, the first included.
        public var attempts: Int
        /// The wait after the first failure; doubled after each further one.
        public var initialDelay: Duration
        /// The longest wait between two sends.
        public var maximumDelay: Duration

        /// Creates a policy.
        public init(attempts: Int, initialDelay: Duration, maximumDelay: Duration) {
            self.attempts = attempts
            self.initialDelay = initialDelay
            self.maximumDelay = maximumDelay
        }

        /// 8 sends, waiting 250 ms doubling to at most 10 s (about 30 s in all).
        public static let standard = CallbackRetry(attempts: 8, initialDelay: .milliseconds(250), maximumDelay: .seconds(10))

        /// The wait after the `failures`-th failed send (1-based).
        func delay(after failures: Int) -> Duration {
            var delay = initialDelay
            for _ in 1..<max(failures, 1) {
                delay = delay * 2
                if delay >= maximumDelay { return maximumDelay }
            }
            return min(delay, maximumDelay)
        }
    }

    /// What happened to one callback.
    public enum CallbackOutcome: Sendable, Equatable {
        /// Loom applied it (`event raised`).
        case applied
        /// Loom had applied it already (an exact repeat): success, nothing changed.
        case alreadyApplied
        /// Loom refused it for good (a conflicting or stale event, bad token, …): not resent.
        case refused(RPCStatus.Code)
        /// Every attempt failed transiently; the event is lost unless Loom asks `/step-status`.
        case gaveUp
    }

    /// RPC codes after which a callback is sent again: Loom may not have it (the RPC form of
    /// 5xx, 408, 429 and connection failures).
    static let retriedCodes: Set<RPCStatus.Code> = [.unavailable, .deadlineExceeded, .resourceExhausted, .internalError, .unknown]

    let workspace: Workspace
    let send: EventSender
    let sleep: Sleeper
    let callbackRetry: CallbackRetry
    let mergeDelay: Duration
    let logger: Logger
    /// Every remembered key's status (``StepStatus/working`` or ``StepStatus/reported(_:)``).
    private var statuses: [String: StepStatus] = [:]
    /// Keys in arrival order, so the map stays bounded (a re-sent dispatch arrives within minutes).
    private var keyOrder: [String] = []
    static let rememberedDispatches = 10_000

    /// Creates the engine, reporting to Loom with `loom`.
    public init(
        workspace: Workspace, loom: LoomClient, mergeDelay: Duration, logger: Logger,
        callbackRetry: CallbackRetry = .standard
    ) {
        self.init(
            workspace: workspace, mergeDelay: mergeDelay, logger: logger, callbackRetry: callbackRetry,
            send: { try await loom.reportStepEvent($0) }, sleep: { try? await Task.sleep(for: $0) })
    }

    /// Creates the engine with its own event sender and sleeper (tests count sends and skip waits).
    public init(
        workspace: Workspace, mergeDelay: Duration, logger: Logger, callbackRetry: CallbackRetry,
        send: @escaping EventSender, sleep: @escaping Sleeper
    ) {
        self.workspace = workspace
        self.send = send
        self.sleep = sleep
        self.callbackRetry = callbackRetry
        self.mergeDelay = mergeDelay
        self.logger = logger
    }

    /// The key a dispatch is remembered by: its idempotency key (Loom always sends one).
    static func key(of request: ReferenceJSON.DispatchStepRequest) -> String {
        request.idempotencyKey ?? "\(request.callbackId)/\(request.stepName)/\(request.attempt ?? 1)"
    }

    /// Where the dispatch with idempotency key `key` stands.
    public func status(ofKey key: String) -> StepStatus {
        statuses[key] ?? .unknown
    }

    // MARK: Dispatch

    /// Accepts a dispatch: `true` when it is new work (started in the background), `false` for a duplicate.
    public func accept(_ request: ReferenceJSON.DispatchStepRequest) -> Bool {
        guard register(request) else { return false }
        Task { await self.execute(request) }
        return true
    }

    /// Remembers a new dispatch as ``StepStatus/working``: `false` for a key already known.
    func register(_ request: ReferenceJSON.DispatchStepRequest) -> Bool {
        let key = Self.key(of: request)
        guard statuses[key] == nil else {
            logger.info("duplicate dispatch ignored", metadata: ["key": "\(key)"])
            return false
        }
        statuses[key] = .working
        keyOrder.append(key)
        if keyOrder.count > Self.rememberedDispatches {
            statuses[keyOrder.removeFirst()] = nil
        }
        return true
    }

    private func execute(_ request: ReferenceJSON.DispatchStepRequest) async {
        let type = request.type ?? ""
        logger.info("executing step", metadata: ["run": "\(request.callbackId)", "step": "\(request.stepName)", "type": "\(type)"])
        if type == "manual-review" {
            var metadata: [String: String] = [:]
            if let instructions = request.config?["instructions"], !instructions.isEmpty { metadata["instructions"] = instructions }
            await report(request, success: true, phase: "awaiting_review", metadata: metadata)
            return
        }
        guard ManifestTransforms.supportedTypes.contains(type) else {
            await report(request, success: false, reason: "unknown step type \"\(type)\"")
            return
        }
        do {
            guard let repository = try workspace.repository(id: request.candidate.id) else {
                await report(request, success: false, reason: "no repository \"\(request.candidate.id)\" in the workspace")
                return
            }
            let git = GitRepository(directory: repository.directory)
            let base = try git.currentBranch()
            let files = try Self.read(repository)
            let changes: [String: String]
            do {
                changes = try ManifestTransforms.apply(
                    type: type, config: request.config ?? [:], metadata: request.candidate.metadata ?? [:], to: files)
            } catch {
                await report(request, success: false, reason: error.description)
                return
            }
            guard !changes.isEmpty else {
                await report(request, success: true, metadata: ["changes": "none"])
                return
            }
            let branch = "loom/\(request.candidate.id)/\(request.stepName)-\(request.attempt ?? 1)"
            try git.run(["checkout", "-q", "-B", branch, base])
            for (path, content) in changes {
                try content.write(to: repository.directory.appendingPathComponent(path), atomically: true, encoding: .utf8)
            }
            try git.run(["add", "--"] + changes.keys.sorted())
            try git.run(["commit", "-q", "-m", "\(request.stepName): \(request.migrationId) via Loom"])
            try git.run(["checkout", "-q", base])
            let prURL = "file://\(repository.directory.path)#\(branch)"
            await report(request, success: true, phase: "open", metadata: ["prUrl": prURL])

            try await Task.sleep(for: mergeDelay)
            try git.run(["merge", "-q", "--no-ff", "-m", "Merge \(branch)", branch])
            let sha = try git.run(["rev-parse", "HEAD"])
            // Like a merge webhook: no top-level phase, the phase rides in metadata.
            await report(request, success: true, metadata: ["phase": "merged", "prUrl": prURL, "commitSha": sha])
        } catch {
            await report(request, success: false, reason: "\(error)")
        }
    }

    /// Remembers `event` as the key's latest (for `/step-status`), then sends it to Loom, resending
    /// after transient failures with back-off until a definitive answer or ``callbackRetry``'s last attempt.
    @discardableResult
    func report(
        _ request: ReferenceJSON.DispatchStepRequest, success: Bool, phase: String = "",
        metadata: [String: String] = [:], reason: String = ""
    ) async -> CallbackOutcome {
        let key = Self.key(of: request)
        if statuses[key] != nil {
            statuses[key] = .reported(
                ReferenceJSON.StepCompletedEvent(
                    stepName: request.stepName, candidateId: request.candidate.id, success: success,
                    phase: phase.isEmpty ? nil : phase, metadata: metadata.isEmpty ? nil : metadata,
                    failureReason: reason.isEmpty ? nil : reason))
        }
        let event = StepEvent(
            stepName: request.stepName, candidateID: request.candidate.id, success: success, phase: phase,
            metadata: metadata, failureReason: reason)
        let call = ReportStepEventRequest(runID: request.callbackId, callbackToken: request.callbackToken ?? "", event: event)
        let context: Logger.Metadata = ["run": "\(request.callbackId)", "step": "\(request.stepName)", "key": "\(key)"]
        var failures = 0
        while true {
            do {
                let response = try await send(call)
                let repeated = response.status == "already applied"
                logger.info(
                    repeated ? "reported (already applied)" : "reported",
                    metadata: context.merging(["success": "\(success)", "phase": "\(phase)"]) { $1 })
                return repeated ? .alreadyApplied : .applied
            } catch let error as RPCError where Self.retriedCodes.contains(error.code) {
                failures += 1
                guard failures < callbackRetry.attempts else {
                    logger.error(
                        "event not delivered; Loom can still ask /step-status for it",
                        metadata: context.merging(["attempts": "\(failures)", "error": "\(error)"]) { $1 })
                    return .gaveUp
                }
                let delay = callbackRetry.delay(after: failures)
                logger.warning(
                    "event not delivered; resending",
                    metadata: context.merging(["attempt": "\(failures)", "in": "\(delay)", "error": "\(error)"]) { $1 })
                await sleep(delay)
            } catch {
                let code = (error as? RPCError)?.code ?? .unknown
                logger.error(
                    "event refused by Loom; not resent",
                    metadata: context.merging(["code": "\(code)", "error": "\(error)"]) { $1 })
                return .refused(code)
            }
        }
    }

    // MARK: Dry run

    /// What every step would change for `request.candidate`, stacked (each step sees earlier steps' changes).
    public func dryRun(_ request: ReferenceJSON.DryRunRequest) throws -> ReferenceJSON.DryRunResult {
        guard let repository = try workspace.repository(id: request.candidate.id) else {
            throw TransformError(path: request.candidate.id, reason: "no such repository in the workspace")
        }
        let original = try Self.read(repository)
        var current = original
        var results: [ReferenceJSON.StepDryRunResult] = []
        for step in request.steps {
            let type = step.type ?? ""
            guard step.migratorApp == ExampleMigration.migratorApp, ManifestTransforms.supportedTypes.contains(type) else {
                results.append(.init(stepName: step.name, skipped: true))
                continue
            }
            do {
                let changes = try ManifestTransforms.apply(
                    type: type, config: step.config ?? [:], metadata: request.candidate.metadata ?? [:], to: current)
                let diffs = changes.keys.sorted().map { path in
                    ReferenceJSON.FileDiff(
                        path: path, repo: repository.id, before: current[path], after: changes[path]!, status: .modified)
                }
                current.merge(changes) { $1 }
                results.append(.init(stepName: step.name, skipped: false, files: diffs))
            } catch {
                results.append(.init(stepName: step.name, skipped: false, error: error.description))
            }
        }
        return ReferenceJSON.DryRunResult(steps: results)
    }

    static func read(_ repository: DiscoveredRepository) throws -> [String: String] {
        var files: [String: String] = [:]
        for path in repository.manifests {
            files[path] = try String(contentsOf: repository.directory.appendingPathComponent(path), encoding: .utf8)
        }
        return files
    }
}
