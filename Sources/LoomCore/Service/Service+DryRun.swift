extension Service {
    /// Asks the migrator what a run would do, synchronously (§2.10, with Loom's fixes).
    ///
    /// Previews the stored candidate `candidateId`, or — when `candidateId` is empty — the
    /// supplied `candidate` (as the reference console does). `inputs` are merged into the
    /// candidate's metadata as at start (over the candidate's own inputs); the candidate's own
    /// steps are previewed when it names some. Migrator failures map to `migratorUnavailable`
    /// (unreachable, 5xx, 408, 429: safe to retry), `migratorTimeout`, or `migratorBadResponse`
    /// (another status or an undecodable answer: retrying unchanged will not help).
    /// - Parameter scope: The migrations the caller may preview (``CallerScope``); another is
    ///   refused with ``LoomError/ownedByAnother(_:)`` and the migrator is not called.
    public func dryRun(
        migrationId: String, candidateId: String = "", inputs: [String: String] = [:], candidate supplied: Candidate? = nil,
        scope: CallerScope = .unrestricted
    ) async throws -> DryRunResult {
        try Identifier.validate(migrationId, field: "migration id")
        try await requireScope(scope, migrationId: migrationId)
        try Validation.map(inputs, field: "inputs")
        let migration = try await store.migrationDefinition(id: migrationId)
        var candidate: Candidate
        if !candidateId.isEmpty {
            try CandidateID.validate(candidateId)
            candidate = try await store.candidate(migrationId: migrationId, candidateId: candidateId)
        } else if let supplied {
            try Validation.candidate(supplied, steps: migration.steps)
            candidate = supplied
        } else {
            throw LoomError.invalidArgument("a dry run needs a candidate id or a candidate")
        }
        candidate.metadata.merge(candidate.inputs.merging(inputs) { _, given in given }) { _, new in new }
        let request = DryRunRequest(migrationId: migrationId, candidate: candidate, steps: try candidate.plannedSteps(of: migration))
        do {
            let result = try await orchestrator.migrator.dryRun(
                request, baseURL: migration.migratorUrl, timeout: configuration.dryRunTimeout
            )
            dryRunsOK.increment()
            return result
        } catch let error as MigratorCallError {
            dryRunsFailed.increment()
            throw error.loomError
        } catch {
            dryRunsFailed.increment()
            throw MigratorCallError(.unreachable, detail: "\(error)").loomError
        }
    }
}
