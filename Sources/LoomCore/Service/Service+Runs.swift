extension Service {
    /// Starts a run of the migration for the candidate (§2.6, made atomic).
    ///
    /// The candidate must exist and be neither running nor completed; every required input
    /// must be present and non-empty. Inputs are merged into the run's copy of the candidate
    /// (never into the stored candidate). The run record and the candidate's move to
    /// `running` are one atomic write; the first step is dispatched at once.
    /// - Returns: The new run (generation incremented over any earlier, finished run).
    public func startRun(
        migrationId: String, candidateId: String, inputs: [String: String] = [:], startedBy: String = ""
    ) async throws -> Run {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try Validation.map(inputs, field: "inputs")
        try Validation.text(startedBy, field: "startedBy", max: Validation.maxNameLength)
        let migration = try await store.migrationDefinition(id: migrationId)
        let candidate = try await store.candidate(migrationId: migrationId, candidateId: candidateId)
        let missing = migration.requiredInputs.filter { (inputs[$0.name] ?? "").isEmpty }.map(\.name)
        if !missing.isEmpty {
            throw LoomError.invalidArgument("missing required input\(missing.count == 1 ? "" : "s"): \(missing.joined(separator: ", "))")
        }
        let run = try await orchestrator.startRun(
            migration: migration, candidate: candidate, inputs: inputs, startedBy: startedBy
        )
        logger.info("run started", metadata: ["run": "\(runID)", "generation": "\(run.generation)"])
        return run
    }

    /// Cancels the candidate's active run: it ends `cancelled`, the candidate returns to
    /// `not_started`, late events are refused and an in-flight dispatch reply is ignored.
    /// - Throws: `notFound` without a run, `notRunning` when the run is finished.
    public func cancelRun(migrationId: String, candidateId: String, reason: String = "") async throws -> Run {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try Validation.text(reason, field: "reason")
        let run = try await withRunNotFound(runID) { try await orchestrator.cancelRun(runID, reason: reason) }
        logger.info("run cancelled", metadata: ["run": "\(runID)"])
        return run
    }

    /// Retries the run's current step, which must have failed; a fresh attempt is dispatched.
    /// - Throws: `stepNotRetryable` for any other step or a step that has not failed,
    ///   `notRunning` when the run is finished, `notFound` without a run.
    public func retryStep(migrationId: String, candidateId: String, stepName: String) async throws -> Run {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        try Identifier.validate(stepName, field: "step name")
        return try await withRunNotFound(runID) { try await orchestrator.retryStep(runID, stepName: stepName) }
    }

    /// The candidate's latest run (status and step results).
    public func run(migrationId: String, candidateId: String) async throws -> Run {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        return try await withRunNotFound(runID) { try await store.run(id: runID) }
    }

    /// The run's history, oldest first; the newest `limit` entries (0 = all retained).
    public func runHistory(migrationId: String, candidateId: String, limit: Int = 0) async throws -> [HistoryEntry] {
        let runID = try RunID(migrationId: migrationId, candidateId: candidateId)
        guard limit >= 0 else { throw LoomError.invalidArgument("limit must not be negative") }
        _ = try await withRunNotFound(runID) { try await store.run(id: runID) }
        return try await store.history(of: runID, limit: limit)
    }

    /// Applies a migrator's (or operator's) step event to the run `runID` (§2.11, §3.3, with
    /// Loom's fixes).
    ///
    /// The event must be for the run's candidate, its current step and (with a callback token)
    /// the current attempt and generation; otherwise it is rejected with `staleEvent` and
    /// changes nothing. Repeating an event already applied changes nothing and succeeds.
    /// Events that arrive before the dispatch call returns are accepted.
    /// - Parameters:
    ///   - runID: The callback id (`{migrationId}__{candidateId}`).
    ///   - credential: The callback token, or `.trustedCaller` when the transport authorised
    ///     the caller. Without a configured signer, tokens are not checked.
    ///   - event: The report.
    /// - Returns: The run after the event.
    public func reportStepEvent(runID: String, credential: EventCredential, event: StepEvent) async throws -> Run {
        let id = try RunID(parsing: runID)
        try Validation.event(event)
        var claims: CallbackClaims?
        if case .callbackToken(let token) = credential, let signer = orchestrator.signer {
            guard token.utf8.count <= Validation.maxTextLength, let verified = signer.verify(token) else {
                throw LoomError(code: .unauthenticated, message: "invalid callback token")
            }
            guard verified.runID == id else {
                throw LoomError(code: .unauthenticated, message: "callback token was issued for another run")
            }
            claims = verified
        }
        return try await withRunNotFound(id) {
            try await orchestrator.applyEvent(id, event: event, claims: claims)
        }
    }

    /// The `pr-opened` notification (§2.12): a step event with the phase forced to `open`.
    public func reportPullRequestOpened(runID: String, credential: EventCredential, event: StepEvent) async throws -> Run {
        var event = event
        event.success = true
        event.phase = "open"
        return try await reportStepEvent(runID: runID, credential: credential, event: event)
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
