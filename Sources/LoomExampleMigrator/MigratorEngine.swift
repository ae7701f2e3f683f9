import Foundation
import Logging
import LoomMigratorKit

/// Executes dispatched steps and answers dry runs for ``ExampleMigration``: the example's ``Migrator``.
///
/// ``MigratorServer`` acknowledges a dispatch at once (202) and calls ``dispatch(_:)`` once per idempotency
/// key; the work runs afterwards and its outcome goes back to Loom through a ``LoomConnection`` (RPC or REST),
/// with the dispatch's callback token:
/// - code steps: the change is committed on a branch (`open`, with a `prUrl`), then merged into
///   the default branch after ``mergeDelay`` (`success`, `metadata.phase = merged`, `commitSha`);
/// - `manual-review`: `awaiting_review` with the instructions; an operator approves in Loom;
/// - a manifest the step cannot handle: `success: false` with the reason.
/// Every key's latest event is kept in the ``DispatchLedger`` the server and the connection share, so that
/// `POST /step-status` can answer it when its callback was lost (the connection resends transient failures
/// first, following its ``CallbackClient/RetryPolicy``).
public actor MigratorEngine: Migrator {
    let workspace: Workspace
    let connection: LoomConnection
    let ledger: DispatchLedger
    let mergeDelay: Duration
    let logger: Logger

    /// Creates the engine, reporting to Loom through `connection`, which records events in `ledger` (the
    /// ledger of the ``MigratorServer`` serving this engine).
    public init(workspace: Workspace, connection: LoomConnection, ledger: DispatchLedger, mergeDelay: Duration, logger: Logger) {
        self.workspace = workspace
        self.connection = connection
        self.ledger = ledger
        self.mergeDelay = mergeDelay
        self.logger = logger
    }

    // MARK: Migrator

    /// Starts the step in the background (the server has already deduplicated the key).
    public nonisolated func dispatch(_ request: ReferenceJSON.DispatchStepRequest) async {
        Task { await self.execute(request) }
    }

    /// The latest event of the dispatch's key (200), 202 while it works, 404 for a key this process never saw.
    public nonisolated func stepStatus(_ request: ReferenceJSON.StepStatusRequest) async -> StepStatusAnswer {
        await ledger.status(ofKey: request.idempotencyKey)
    }

    // MARK: Dispatch

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

    /// Reports an event for `request` through the connection (which records it in the ledger first, then
    /// resends it after transient failures until Loom answers for good or the retry policy gives up).
    @discardableResult
    func report(
        _ request: ReferenceJSON.DispatchStepRequest, success: Bool, phase: String = "",
        metadata: [String: String] = [:], reason: String = ""
    ) async -> CallbackClient.Outcome {
        let event = ReferenceJSON.StepCompletedEvent(
            stepName: request.stepName, candidateId: request.candidate.id, success: success,
            phase: phase.isEmpty ? nil : phase, metadata: metadata.isEmpty ? nil : metadata,
            failureReason: reason.isEmpty ? nil : reason)
        let outcome = await connection.report(event, for: request)
        let context: Logger.Metadata = [
            "run": "\(request.callbackId)", "step": "\(request.stepName)", "key": "\(DispatchLedger.key(of: request))",
            "success": "\(success)", "phase": "\(phase)",
        ]
        switch outcome {
        case .delivered(let alreadyApplied):
            logger.info(alreadyApplied ? "reported (already applied)" : "reported", metadata: context)
        case .conflict(let message):
            logger.error("event refused by Loom as conflicting; not resent", metadata: context.merging(["error": "\(message)"]) { $1 })
        case .rejected(let reason):
            logger.error("event refused by Loom; not resent", metadata: context.merging(["error": "\(reason)"]) { $1 })
        case .gaveUp(let attempts, let lastError):
            logger.error(
                "event not delivered; Loom can still ask /step-status for it",
                metadata: context.merging(["attempts": "\(attempts)", "error": "\(lastError)"]) { $1 })
        }
        return outcome
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
