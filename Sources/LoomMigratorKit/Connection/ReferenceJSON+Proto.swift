import LoomProto

// The RPC path carries the same fields as the JSON contract: these build the RPC messages from the JSON types,
// so a migrator describes its migration once, whichever way it reports.

extension ReferenceJSON.MigrationAnnouncement {
    /// The RPC form (`loom.v1.Migration`) of this announcement.
    public var proto: Migration {
        Migration(
            id: id, name: name, description: description ?? "", migratorURL: migratorUrl,
            requiredInputs: (requiredInputs ?? []).map { InputDefinition(name: $0.name, label: $0.label) },
            candidates: (candidates ?? []).map(\.proto),
            steps: steps.map(\.proto))
    }
}

extension ReferenceJSON.StepDefinition {
    /// The RPC form (`loom.v1.StepDefinition`) of this step.
    public var proto: StepDefinition {
        StepDefinition(name: name, migratorApp: migratorApp, description: description ?? "", type: type ?? "", config: config ?? [:])
    }
}

extension ReferenceJSON.Candidate {
    /// The RPC form (`loom.v1.Candidate`) of this candidate (its status is Loom's and not sent).
    public var proto: Candidate {
        Candidate(
            id: id, kind: kind, metadata: metadata ?? [:],
            files: (files ?? []).map { group in
                FileGroup(name: group.name, repo: group.repo, files: group.files.map { FileRef(path: $0.path, url: $0.url) })
            },
            steps: steps ?? [])
    }
}

extension ReferenceJSON.StepCompletedEvent {
    /// The RPC form (`loom.v1.StepEvent`) of this event.
    public var proto: StepEvent {
        StepEvent(
            stepName: stepName, candidateID: candidateId, success: success, phase: phase ?? "", metadata: metadata ?? [:],
            failureReason: failureReason ?? "")
    }
}
