extension Service {
    /// Merges discovered candidates (§2.4): running and completed ones are kept untouched and
    /// reported as skipped; others are written whole as `not_started` (their operator inputs
    /// kept); absent ones are kept.
    ///
    /// One bad candidate does not refuse the batch: it is reported in
    /// ``SubmitCandidatesOutcome/rejected`` with its reason, and the others are written. More
    /// than 10,000 candidates refuse the whole request.
    /// - Parameter scope: The migrations the caller may change (``CallerScope``): a migration
    ///   outside it is refused with ``LoomError/ownedByAnother(_:)`` and nothing is written.
    public func submitCandidates(
        migrationId: String, candidates: [Candidate], scope: CallerScope = .unrestricted
    ) async throws -> SubmitCandidatesOutcome {
        try Identifier.validate(migrationId, field: "migration id")
        try await requireScope(scope, migrationId: migrationId)
        if candidates.count > Validation.maxCandidatesPerRequest {
            throw LoomError.invalidArgument(
                "at most \(Validation.maxCandidatesPerRequest) candidates per request, got \(candidates.count)")
        }
        let steps = candidates.contains { !$0.steps.isEmpty } ? try await store.migrationDefinition(id: migrationId).steps : nil
        let (accepted, rejected) = Self.screen(candidates, steps: steps)
        var outcome = try await store.submitCandidates(migrationId: migrationId, candidates: accepted)
        outcome.rejected = rejected
        candidatesSubmitted.increment(by: outcome.accepted)
        if !rejected.isEmpty {
            logger.notice(
                "candidates refused",
                metadata: ["migration": "\(migrationId)", "rejected": "\(rejected.count)", "first": "\(rejected[0].reason)"])
        }
        return outcome
    }

    /// Sets the inputs of a candidate that has not started, replacing its previous ones; a
    /// later start (or dry run) uses them unless it gives its own value for a key.
    /// - Throws: `invalidArgument` for a key that is not a required input of the migration or an
    ///   empty value; `alreadyRunning`/`alreadyCompleted` for a candidate that is not
    ///   `not_started`; `notFound`.
    public func updateCandidateInputs(migrationId: String, candidateId: String, inputs: [String: String]) async throws -> Candidate {
        try Identifier.validate(migrationId, field: "migration id")
        try CandidateID.validate(candidateId)
        try Validation.map(inputs, field: "inputs")
        let migration = try await store.migrationDefinition(id: migrationId)
        let declared = Set(migration.requiredInputs.map(\.name))
        for (key, value) in inputs.sorted(by: { $0.key < $1.key }) {
            guard declared.contains(key) else {
                let known = declared.isEmpty ? "it declares none" : "it declares " + declared.sorted().joined(separator: ", ")
                throw LoomError.invalidArgument("inputs: \(Identifier.quoted(key)) is not an input of migration \(migrationId) (\(known))")
            }
            guard !value.isEmpty else { throw LoomError.invalidArgument("inputs[\(Identifier.quoted(key))] is empty") }
        }
        let candidate = try await store.setCandidateInputs(migrationId: migrationId, candidateId: candidateId, inputs: inputs)
        logger.info("candidate inputs set", metadata: ["migration": "\(migrationId)", "candidate": "\(candidateId)", "keys": "\(inputs.count)"])
        return candidate
    }

    /// Splits a batch into the valid candidates (the last of each id, statuses and inputs
    /// cleared) and the refused ones with their reasons. With `steps`, a candidate's own step
    /// list must name those steps.
    static func screen(_ candidates: [Candidate], steps: [StepDefinition]?) -> (accepted: [Candidate], rejected: [RejectedCandidate]) {
        var accepted: [Candidate] = []
        var rejected: [RejectedCandidate] = []
        for candidate in candidates.lastOfEachID() {
            do {
                try Validation.candidate(candidate, steps: steps)
                var fresh = candidate
                fresh.status = .notStarted
                fresh.inputs = [:]
                accepted.append(fresh)
            } catch {
                rejected.append(RejectedCandidate(id: String(candidate.id.prefix(CandidateID.maxLength)), reason: error.message))
            }
        }
        return (accepted, rejected)
    }
}
