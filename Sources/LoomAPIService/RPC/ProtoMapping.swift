import LoomCore
import LoomProto

// Conversions between the wire messages (LoomProto) and the domain (LoomCore).
//
// Both modules name their types after the domain (`Migration`, `Run`, ...), so every
// type here is module-qualified. Inbound conversions never fail: validation is the
// Service's job, and fields Loom manages (statuses, timestamps, owner) are ignored on input.

// MARK: - Domain -> wire

extension LoomProto.InputDefinition {
    init(_ value: LoomCore.InputDefinition) { self.init(name: value.name, label: value.label) }
}

extension LoomProto.StepDefinition {
    init(_ value: LoomCore.StepDefinition) {
        self.init(
            name: value.name, migratorApp: value.migratorApp, description: value.description,
            type: value.type, config: value.config)
    }
}

extension LoomProto.FileGroup {
    init(_ value: LoomCore.FileGroup) {
        self.init(name: value.name, repo: value.repo, files: value.files.map { .init(path: $0.path, url: $0.url) })
    }
}

extension LoomProto.CandidateStatus {
    init(_ value: LoomCore.CandidateStatus) {
        switch value {
        case .notStarted: self = .notStarted
        case .running: self = .running
        case .completed: self = .completed
        }
    }
}

extension LoomProto.Candidate {
    init(_ value: LoomCore.Candidate) {
        self.init(
            id: value.id, kind: value.kind, metadata: value.metadata,
            files: value.files.map(LoomProto.FileGroup.init), status: .init(value.status), steps: value.steps,
            inputs: value.inputs)
    }
}

extension LoomProto.Migration {
    init(_ value: LoomCore.Migration) {
        self.init(
            id: value.id, name: value.name, description: value.description, migratorURL: value.migratorUrl,
            requiredInputs: value.requiredInputs.map(LoomProto.InputDefinition.init),
            candidates: value.candidates.map(LoomProto.Candidate.init),
            steps: value.steps.map(LoomProto.StepDefinition.init),
            createdAtUnixMs: value.createdAt.unixMilliseconds, updatedAtUnixMs: value.updatedAt.unixMilliseconds,
            owner: value.owner, counts: value.counts.map(LoomProto.MigrationCounts.init))
    }
}

extension LoomProto.RejectedCandidate {
    init(_ value: LoomCore.RejectedCandidate) { self.init(id: value.id, reason: value.reason) }
}

extension LoomProto.MigrationCounts {
    init(_ value: LoomCore.MigrationCounts) {
        self.init(
            candidatesNotStarted: value.candidates[.notStarted, default: 0], candidatesRunning: value.candidates[.running, default: 0],
            candidatesCompleted: value.candidates[.completed, default: 0], runsRunning: value.runs[.running, default: 0],
            runsWaitingRetry: value.runs[.waitingRetry, default: 0], runsCompleted: value.runs[.completed, default: 0],
            runsCancelled: value.runs[.cancelled, default: 0], runsFailed: value.runs[.failed, default: 0],
            steps: value.steps.map {
                LoomProto.StepCounts(
                    stepName: $0.stepName, inProgress: $0.inProgress, open: $0.open, awaitingReview: $0.awaitingReview, failed: $0.failed)
            })
    }
}

extension LoomProto.StepStatus {
    init(_ value: LoomCore.StepStatus) {
        switch value {
        case .inProgress: self = .inProgress
        case .awaitingReview: self = .awaitingReview
        case .open: self = .open
        case .completed: self = .completed
        case .merged: self = .merged
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
    }
}

extension LoomProto.RunStatus {
    init(_ value: LoomCore.RunStatus) {
        switch value {
        case .running: self = .running
        case .waitingRetry: self = .waitingRetry
        case .completed: self = .completed
        case .cancelled: self = .cancelled
        case .failed: self = .failed
        }
    }
}

extension LoomProto.StepResult {
    init(_ value: LoomCore.StepResult, candidate: LoomProto.Candidate) {
        self.init(
            stepName: value.stepName, candidate: candidate, status: .init(value.status), metadata: value.metadata,
            attempt: value.attempt, startedAtUnixMs: value.startedAt.unixMilliseconds,
            updatedAtUnixMs: value.updatedAt.unixMilliseconds,
            finishedAtUnixMs: value.finishedAt?.unixMilliseconds ?? 0, failureReason: value.failureReason ?? "",
            dispatchCount: value.dispatchCount, phase: value.phase)
    }
}

extension LoomProto.Run {
    init(_ value: LoomCore.Run) {
        let candidate = LoomProto.Candidate(value.candidate)
        self.init(
            id: value.id.description, migrationID: value.migrationId, candidateID: value.candidateId,
            status: .init(value.status), currentStep: UInt32(clamping: value.currentStep),
            results: value.results.map { LoomProto.StepResult($0, candidate: candidate) },
            steps: value.steps.map(LoomProto.StepDefinition.init), candidate: candidate,
            migratorURL: value.migratorUrl, inputs: value.inputs,
            createdAtUnixMs: value.createdAt.unixMilliseconds, updatedAtUnixMs: value.updatedAt.unixMilliseconds,
            finishedAtUnixMs: value.finishedAt?.unixMilliseconds ?? 0, failureReason: value.failureReason ?? "",
            version: value.version, generation: value.generation, startedBy: value.startedBy,
            stalledSinceUnixMs: value.stalledSince?.unixMilliseconds ?? 0)
    }
}

extension LoomProto.HistoryKind {
    init(_ value: LoomCore.HistoryKind) {
        switch value {
        case .runStarted: self = .runStarted
        case .stepDispatched: self = .stepDispatched
        case .dispatchFailed: self = .dispatchFailed
        case .eventApplied: self = .eventApplied
        case .stepFailed: self = .stepFailed
        case .stepRetried: self = .stepRetried
        case .stepTimedOut: self = .stepTimedOut
        case .stepCompleted: self = .stepCompleted
        case .runCompleted: self = .runCompleted
        case .runCancelled: self = .runCancelled
        case .runFailed: self = .runFailed
        case .eventRejected: self = .eventRejected
        case .statusChecked: self = .statusChecked
        case .stepStalled: self = .stepStalled
        }
    }
}

extension LoomProto.HistoryEntry {
    init(_ value: LoomCore.HistoryEntry) {
        self.init(
            id: value.id, atUnixMs: value.at.unixMilliseconds, kind: .init(value.kind), stepName: value.stepName,
            attempt: value.attempt, stepStatus: value.stepStatus.map(LoomProto.StepStatus.init) ?? .unspecified,
            runStatus: .init(value.runStatus), detail: value.detail, generation: value.generation, runVersion: value.runVersion)
    }
}

extension LoomProto.FileDiffStatus {
    init(_ value: LoomCore.FileDiffStatus) {
        switch value {
        case .new: self = .new
        case .modified: self = .modified
        case .deleted: self = .deleted
        }
    }
}

extension LoomProto.DryRunResult {
    init(_ value: LoomCore.DryRunResult) {
        self.init(
            steps: value.steps.map { step in
                LoomProto.StepDryRunResult(
                    stepName: step.stepName, skipped: step.skipped, error: step.error,
                    files: step.files.map {
                        LoomProto.FileDiff(
                            path: $0.path, repo: $0.repo, before: $0.before, after: $0.after, status: .init($0.status))
                    })
            })
    }
}

// MARK: - Wire -> domain

/// The domain value a filter names: `nil` for UNSPECIFIED (any), the domain case whose wire form
/// is `value`, or INVALID_ARGUMENT naming `field` for a number the contract does not define.
func filterValue<Domain: CaseIterable, Wire: LoomEnum>(
    _ value: Wire, field: String, wire: (Domain) -> Wire
) throws(LoomError) -> Domain? {
    guard value.rawValue != 0 else { return nil }
    guard let match = Domain.allCases.first(where: { wire($0) == value }) else {
        throw .invalidArgument("\(field): unknown value \(value.rawValue)")
    }
    return match
}

extension LoomCore.CandidateStatus {
    /// The status a filter names; `nil` for UNSPECIFIED (any status).
    init?(filter value: LoomProto.CandidateStatus) throws(LoomError) {
        guard let status = try filterValue(value, field: "status", wire: LoomProto.CandidateStatus.init) else { return nil }
        self = status
    }
}

extension LoomCore.RunFilter {
    init(_ request: LoomProto.ListRunsRequest) throws(LoomError) {
        self.init(
            selection: LoomCore.RunSelection(
                migrationId: request.migrationID.isEmpty ? nil : request.migrationID,
                status: try filterValue(request.status, field: "status", wire: LoomProto.RunStatus.init),
                updatedAfter: request.updatedAfterUnixMs == 0 ? nil : Timestamp(unixMilliseconds: request.updatedAfterUnixMs),
                updatedBefore: request.updatedBeforeUnixMs == 0 ? nil : Timestamp(unixMilliseconds: request.updatedBeforeUnixMs)),
            stepName: request.stepName.isEmpty ? nil : request.stepName,
            stepStatus: try filterValue(request.stepStatus, field: "step_status", wire: LoomProto.StepStatus.init),
            stalled: request.stalled)
    }
}

extension LoomCore.StepDefinition {
    init(_ value: LoomProto.StepDefinition) {
        self.init(
            name: value.name, migratorApp: value.migratorApp, description: value.description, type: value.type,
            config: value.config)
    }
}

extension LoomCore.Candidate {
    /// The candidate as a client sent it; the status (Loom's to manage) and the inputs (set by
    /// UpdateCandidateInputs only) are ignored.
    init(_ value: LoomProto.Candidate) {
        self.init(
            id: value.id, kind: value.kind, metadata: value.metadata,
            files: value.files.map { group in
                LoomCore.FileGroup(
                    name: group.name, repo: group.repo,
                    files: group.files.map { LoomCore.FileRef(path: $0.path, url: $0.url) })
            },
            steps: value.steps)
    }
}

extension LoomCore.Migration {
    /// The migration as a migrator announced it; timestamps and owner are Loom's to manage.
    init(_ value: LoomProto.Migration) {
        self.init(
            id: value.id, name: value.name, description: value.description, migratorUrl: value.migratorURL,
            requiredInputs: value.requiredInputs.map { LoomCore.InputDefinition(name: $0.name, label: $0.label) },
            candidates: value.candidates.map(LoomCore.Candidate.init),
            steps: value.steps.map(LoomCore.StepDefinition.init))
    }
}

extension LoomCore.StepEvent {
    init(_ value: LoomProto.StepEvent) {
        self.init(
            stepName: value.stepName, candidateId: value.candidateID, success: value.success, phase: value.phase,
            metadata: value.metadata, failureReason: value.failureReason)
    }
}
