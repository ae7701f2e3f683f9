import LoomCore
import LoomMigratorKit

// Conversions between the reference JSON bodies and LoomCore's domain types, in one place.
//
// Inbound, absent optionals become the domain's empty values. Outbound, empty optional values are omitted, as
// the reference omits unset fields: a candidate's `metadata`/`files`, a step's `config`/`type`, and Loom's
// added dispatch fields when they are empty.

extension ReferenceJSON.Candidate {
    /// The domain candidate; an absent status is `not_started`.
    public var domain: LoomCore.Candidate {
        LoomCore.Candidate(
            id: self.id,
            kind: self.kind,
            metadata: self.metadata ?? [:],
            files: (self.files ?? []).map(\.domain),
            status: self.status.map(\.domain) ?? .notStarted,
            steps: self.steps ?? []
        )
    }

    /// The reference form of a domain candidate.
    public init(_ candidate: LoomCore.Candidate) {
        self.init(
            id: candidate.id,
            kind: candidate.kind,
            metadata: candidate.metadata.isEmpty ? nil : candidate.metadata,
            files: candidate.files.isEmpty ? nil : candidate.files.map(ReferenceJSON.FileGroup.init),
            status: ReferenceJSON.CandidateStatus(candidate.status),
            steps: candidate.steps.isEmpty ? nil : candidate.steps
        )
    }
}

extension ReferenceJSON.RejectedCandidate {
    /// The reference form of a refused candidate.
    public init(_ value: LoomCore.RejectedCandidate) { self.init(id: value.id, reason: value.reason) }
}

extension ReferenceJSON.CandidateStatus {
    /// The domain status.
    public var domain: LoomCore.CandidateStatus {
        switch self {
        case .notStarted: .notStarted
        case .running: .running
        case .completed: .completed
        }
    }

    /// The reference form of a domain status.
    public init(_ status: LoomCore.CandidateStatus) {
        switch status {
        case .notStarted: self = .notStarted
        case .running: self = .running
        case .completed: self = .completed
        }
    }
}

extension ReferenceJSON.FileGroup {
    /// The domain file group.
    public var domain: LoomCore.FileGroup {
        LoomCore.FileGroup(name: self.name, repo: self.repo, files: self.files.map { LoomCore.FileRef(path: $0.path, url: $0.url) })
    }

    /// The reference form of a domain file group.
    public init(_ group: LoomCore.FileGroup) {
        self.init(name: group.name, repo: group.repo, files: group.files.map { ReferenceJSON.FileRef(path: $0.path, url: $0.url) })
    }
}

extension ReferenceJSON.StepDefinition {
    /// The domain step.
    public var domain: LoomCore.StepDefinition {
        LoomCore.StepDefinition(
            name: self.name,
            migratorApp: self.migratorApp,
            description: self.description ?? "",
            type: self.type ?? "",
            config: self.config ?? [:]
        )
    }

    /// The reference form of a domain step.
    public init(_ step: LoomCore.StepDefinition) {
        self.init(
            name: step.name,
            migratorApp: step.migratorApp,
            description: step.description.isEmpty ? nil : step.description,
            type: step.type.isEmpty ? nil : step.type,
            config: step.config.isEmpty ? nil : step.config
        )
    }
}

extension ReferenceJSON.MigrationAnnouncement {
    /// The announced migration (timestamps and owner are set by the service).
    public var domain: LoomCore.Migration {
        LoomCore.Migration(
            id: self.id,
            name: self.name,
            description: self.description ?? "",
            migratorUrl: self.migratorUrl,
            requiredInputs: (self.requiredInputs ?? []).map { LoomCore.InputDefinition(name: $0.name, label: $0.label) },
            candidates: (self.candidates ?? []).map(\.domain),
            steps: self.steps.map(\.domain)
        )
    }
}

extension ReferenceJSON.StepCompletedEvent {
    /// The domain event; absent phase, metadata and reason are empty.
    public var domain: LoomCore.StepEvent {
        LoomCore.StepEvent(
            stepName: self.stepName,
            candidateId: self.candidateId,
            success: self.success,
            phase: self.phase ?? "",
            metadata: self.metadata ?? [:],
            failureReason: self.failureReason ?? ""
        )
    }
}

extension ReferenceJSON.DispatchStepRequest {
    /// The wire form of a domain dispatch: the reference fields, plus Loom's when they are set.
    public init(_ request: LoomCore.DispatchStepRequest) {
        self.init(
            migrationId: request.migrationId,
            stepName: request.stepName,
            candidate: ReferenceJSON.Candidate(request.candidate),
            config: request.config.isEmpty ? nil : request.config,
            callbackId: request.callbackId,
            eventName: request.eventName,
            migratorApp: request.migratorApp,
            migratorUrl: request.migratorUrl,
            type: request.type.isEmpty ? nil : request.type,
            idempotencyKey: request.idempotencyKey.isEmpty ? nil : request.idempotencyKey,
            attempt: Int(request.attempt),
            callbackToken: request.callbackToken.isEmpty ? nil : request.callbackToken,
            callbackUrl: request.callbackUrl.isEmpty ? nil : request.callbackUrl
        )
    }
}

extension ReferenceJSON.StepStatusRequest {
    /// The wire form of a domain status request.
    public init(_ request: LoomCore.StepStatusRequest) {
        self.init(
            migrationId: request.migrationId, candidateId: request.candidateId, callbackId: request.callbackId,
            stepName: request.stepName, attempt: Int(request.attempt), idempotencyKey: request.idempotencyKey)
    }
}

extension ReferenceJSON.DryRunRequest {
    /// The wire form of a domain dry-run request.
    public init(_ request: LoomCore.DryRunRequest) {
        self.init(
            migrationId: request.migrationId,
            candidate: ReferenceJSON.Candidate(request.candidate),
            steps: request.steps.map(ReferenceJSON.StepDefinition.init)
        )
    }
}

extension ReferenceJSON.DryRunResult {
    /// The domain dry-run result.
    public var domain: LoomCore.DryRunResult {
        LoomCore.DryRunResult(
            steps: self.steps.map { step in
                LoomCore.StepDryRunResult(
                    stepName: step.stepName,
                    skipped: step.skipped,
                    error: step.error ?? "",
                    files: (step.files ?? []).map { file in
                        LoomCore.FileDiff(
                            path: file.path,
                            repo: file.repo,
                            before: file.before ?? "",
                            after: file.after,
                            status: file.status.domain
                        )
                    }
                )
            }
        )
    }
}

extension ReferenceJSON.DryRunResult {
    /// The reference form of a domain dry-run result (empty errors and file lists omitted, as a migrator omits them).
    public init(_ result: LoomCore.DryRunResult) {
        self.init(
            steps: result.steps.map { step in
                ReferenceJSON.StepDryRunResult(
                    stepName: step.stepName,
                    skipped: step.skipped,
                    error: step.error.isEmpty ? nil : step.error,
                    files: step.files.isEmpty
                        ? nil
                        : step.files.map { file in
                            ReferenceJSON.FileDiff(
                                path: file.path, repo: file.repo, before: file.before.isEmpty ? nil : file.before, after: file.after,
                                status: ReferenceJSON.FileDiffStatus(file.status))
                        }
                )
            }
        )
    }
}

extension ReferenceJSON.FileDiffStatus {
    /// The reference form of a domain status.
    public init(_ status: LoomCore.FileDiffStatus) {
        switch status {
        case .new: self = .new
        case .modified: self = .modified
        case .deleted: self = .deleted
        }
    }

    var domain: LoomCore.FileDiffStatus {
        switch self {
        case .new: .new
        case .modified: .modified
        case .deleted: .deleted
        }
    }
}
