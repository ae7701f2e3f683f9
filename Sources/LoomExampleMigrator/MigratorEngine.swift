import Foundation
import Logging
import LoomHTTP
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
/// Re-sent dispatches (same idempotency key) are not executed twice.
public actor MigratorEngine {
    let workspace: Workspace
    let loom: LoomClient
    let mergeDelay: Duration
    let logger: Logger
    private var handledKeys: Set<String> = []
    /// Keys in arrival order, so the set stays bounded (a re-sent dispatch arrives within minutes).
    private var keyOrder: [String] = []
    static let rememberedDispatches = 10_000

    /// Creates the engine.
    public init(workspace: Workspace, loom: LoomClient, mergeDelay: Duration, logger: Logger) {
        self.workspace = workspace
        self.loom = loom
        self.mergeDelay = mergeDelay
        self.logger = logger
    }

    // MARK: Dispatch

    /// Accepts a dispatch: `true` when it is new work (started in the background), `false` for a duplicate.
    public func accept(_ request: ReferenceJSON.DispatchStepRequest) -> Bool {
        let key = request.idempotencyKey ?? "\(request.callbackId)/\(request.stepName)/\(request.attempt ?? 1)"
        guard handledKeys.insert(key).inserted else {
            logger.info("duplicate dispatch ignored", metadata: ["key": "\(key)"])
            return false
        }
        keyOrder.append(key)
        if keyOrder.count > Self.rememberedDispatches {
            handledKeys.remove(keyOrder.removeFirst())
        }
        Task { await self.execute(request) }
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

    private func report(
        _ request: ReferenceJSON.DispatchStepRequest, success: Bool, phase: String = "",
        metadata: [String: String] = [:], reason: String = ""
    ) async {
        let event = StepEvent(
            stepName: request.stepName, candidateID: request.candidate.id, success: success, phase: phase,
            metadata: metadata, failureReason: reason)
        let call = ReportStepEventRequest(runID: request.callbackId, callbackToken: request.callbackToken ?? "", event: event)
        // Callbacks are retried: an event lost in transit would otherwise leave the step waiting.
        for attempt in 1...5 {
            do {
                _ = try await loom.reportStepEvent(call)
                logger.info(
                    "reported", metadata: ["run": "\(request.callbackId)", "step": "\(request.stepName)", "success": "\(success)", "phase": "\(phase)"])
                return
            } catch let error as RPCError where [.unavailable, .deadlineExceeded].contains(error.code) && attempt < 5 {
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            } catch {
                logger.error("event rejected by Loom", metadata: ["run": "\(request.callbackId)", "error": "\(error)"])
                return
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
