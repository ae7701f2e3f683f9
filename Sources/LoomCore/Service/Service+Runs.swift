extension Service {
    /// Starts a run of the migration for the candidate (§2.6, made atomic).
    ///
    /// The candidate must exist and be neither running nor completed; every required input
    /// must be present and non-empty, from `inputs` or else from the candidate's own inputs
    /// (``updateCandidateInputs(migrationId:candidateId:inputs:)``). Inputs are merged into the
    /// run's copy of the candidate (never into the stored candidate). The run executes the
    /// candidate's own steps when it names some, else every step of the migration. The run
    /// record and the candidate's move to `running` are one atomic write; the first step is
    /// dispatched at once.
    /// - Returns: The new run (generation incremented over any earlier, finished run).
    public func startRun(
        migrationId: String, candidateId: String, inputs: [String: String] = [:], startedBy: String = ""
    ) async throws -> Run {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try requireSigningKey()
        try Validation.map(inputs, field: "inputs")
        try Validation.text(startedBy, field: "startedBy", max: Validation.maxNameLength)
        let migration = try await store.migrationDefinition(id: migrationId)
        let candidate = try await store.candidate(migrationId: migrationId, candidateId: candidateId)
        let merged = candidate.inputs.merging(inputs) { _, given in given }
        let missing = migration.requiredInputs.filter { (merged[$0.name] ?? "").isEmpty }.map(\.name)
        if !missing.isEmpty {
            throw LoomError.invalidArgument("missing required input\(missing.count == 1 ? "" : "s"): \(missing.joined(separator: ", "))")
        }
        let steps = try candidate.plannedSteps(of: migration)
        let run = try await orchestrator.startRun(
            migration: migration, steps: steps, candidate: candidate, inputs: merged, startedBy: startedBy
        )
        logger.info("run started", metadata: ["run": "\(runID)", "generation": "\(run.generation)"])
        return run
    }

    /// Cancels the candidate's active run: it ends `cancelled` — or, with `failed`, `failed`
    /// (an operator gives up on a run waiting for a retry) — the candidate returns to
    /// `not_started`, late events are refused and an in-flight dispatch reply is ignored.
    /// - Throws: `notFound` without a run, `notRunning` when the run is finished,
    ///   `failedPrecondition` for `failed` on a run that is not waiting for a retry.
    public func cancelRun(migrationId: String, candidateId: String, reason: String = "", failed: Bool = false) async throws -> Run {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try Validation.text(reason, field: "reason")
        let run = try await withRunNotFound(runID) { try await orchestrator.cancelRun(runID, reason: reason, failed: failed) }
        logger.notice(
            failed ? "run failed: abandoned by an operator" : "run cancelled",
            metadata: ["run": "\(runID)", "reason": "\(run.failureReason ?? "")"])
        return run
    }

    /// Retries the run's current step, which must have failed; a fresh attempt is dispatched.
    /// - Throws: `stepNotRetryable` for any other step or a step that has not failed,
    ///   `notRunning` when the run is finished, `notFound` without a run.
    public func retryStep(migrationId: String, candidateId: String, stepName: String) async throws -> Run {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try Identifier.validate(stepName, field: "step name")
        try requireSigningKey()
        return try await withRunNotFound(runID) { try await orchestrator.retryStep(runID, stepName: stepName) }
    }

    /// The candidate's latest run (status and step results).
    /// - Parameter scope: The migrations the caller may read (``CallerScope``); another is refused
    ///   with ``LoomError/ownedByAnother(_:)``.
    public func run(migrationId: String, candidateId: String, scope: CallerScope = .unrestricted) async throws -> Run {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try await requireScope(scope, migrationId: migrationId)
        // One key read: on the orchestrator's store, so it is answered even while slow listings
        // fill the read connections.
        return try await withRunNotFound(runID) { try await store.run(id: runID) }
    }

    /// The run's history, oldest first; the newest `limit` entries (0 = all retained).
    /// - Parameter scope: The migrations the caller may read (``CallerScope``); another is refused
    ///   with ``LoomError/ownedByAnother(_:)``.
    public func runHistory(
        migrationId: String, candidateId: String, limit: Int = 0, scope: CallerScope = .unrestricted
    ) async throws -> [HistoryEntry] {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try await requireScope(scope, migrationId: migrationId)
        guard limit >= 0 else { throw LoomError.invalidArgument("limit must not be negative") }
        _ = try await withRunNotFound(runID) { try await reads.run(id: runID) }
        return try await reads.history(of: runID, limit: limit)
    }

    /// Throws ``LoomError/callbackKeyNotLoaded`` while the callback token signer has no key:
    /// the call would dispatch a step (which needs a token) or check one.
    func requireSigningKey() throws(LoomError) {
        guard orchestrator.signer?.isReady ?? true else { throw LoomError.callbackKeyNotLoaded }
    }

    /// Runs `body`, turning the store's bare not-found into a run-specific message.
    func withRunNotFound<T>(_ runID: RunID, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LoomError where error.code == .notFound {
            throw LoomError.runNotFound(runID)
        }
    }
}
