import LoomProto

/// A realistic migration: `count` candidates, each with metadata and two file groups.
func makeMigration(candidates count: Int) -> Migration {
    let candidates = (0..<count).map { index in
        let name = "service-\(String(index, radix: 36))-api"
        return Candidate(
            id: name,
            kind: "application",
            metadata: [
                "team": "team-\(index % 17)",
                "repoName": name,
                "language": index.isMultiple(of: 3) ? "go" : "kotlin",
                "chartVersion": "4.\(index % 9).\(index % 5)",
                "owner": "owner\(index % 50)@example.com",
            ],
            files: [
                FileGroup(name: "prod", repo: "\(name)-deploy", files: [
                    FileRef(path: "charts/\(name)/values-prod.yaml", url: "https://git.example.com/org/\(name)-deploy/blob/main/charts/\(name)/values-prod.yaml"),
                    FileRef(path: "charts/\(name)/Chart.yaml", url: "https://git.example.com/org/\(name)-deploy/blob/main/charts/\(name)/Chart.yaml"),
                ]),
                FileGroup(name: "base", repo: name, files: [
                    FileRef(path: "deploy/base/kustomization.yaml", url: "https://git.example.com/org/\(name)/blob/main/deploy/base/kustomization.yaml"),
                ]),
            ],
            status: index.isMultiple(of: 4) ? .running : .notStarted
        )
    }
    return Migration(
        id: "app-chart-migration",
        name: "Move every app to the shared chart",
        description: "Swaps the per-app Helm chart for the platform chart, one environment at a time.",
        migratorURL: "https://chart-migrator.internal:8443",
        requiredInputs: [InputDefinition(name: "ticket", label: "Change ticket")],
        candidates: candidates,
        steps: [
            StepDefinition(name: "swap-chart", migratorApp: "chart-migrator", description: "Swap the chart",
                           type: "swap-chart", config: ["loom.timeout_seconds": "900", "chart": "platform/app:4"]),
            StepDefinition(name: "review", migratorApp: "chart-migrator", type: "manual-review"),
        ],
        createdAtUnixMs: 1_764_400_000_000,
        updatedAtUnixMs: 1_764_400_500_000,
        owner: "spiffe://example.org/migrator/charts"
    )
}

/// The same migration as a swift-protobuf message.
func swiftProtobufMigration(_ migration: Migration) -> Loom_V1_Migration {
    var out = Loom_V1_Migration()
    out.id = migration.id
    out.name = migration.name
    out.description_p = migration.description
    out.migratorURL = migration.migratorURL
    out.requiredInputs = migration.requiredInputs.map { input in
        var out = Loom_V1_InputDefinition()
        out.name = input.name
        out.label = input.label
        return out
    }
    out.candidates = migration.candidates.map { candidate in
        var out = Loom_V1_Candidate()
        out.id = candidate.id
        out.kind = candidate.kind
        out.metadata = candidate.metadata
        out.files = candidate.files.map { group in
            var out = Loom_V1_FileGroup()
            out.name = group.name
            out.repo = group.repo
            out.files = group.files.map { file in
                var out = Loom_V1_FileRef()
                out.path = file.path
                out.url = file.url
                return out
            }
            return out
        }
        out.status = Loom_V1_CandidateStatus(rawValue: Int(candidate.status.rawValue)) ?? .unspecified
        return out
    }
    out.steps = migration.steps.map { step in
        var out = Loom_V1_StepDefinition()
        out.name = step.name
        out.migratorApp = step.migratorApp
        out.description_p = step.description
        out.type = step.type
        out.config = step.config
        return out
    }
    out.createdAtUnixMs = migration.createdAtUnixMs
    out.updatedAtUnixMs = migration.updatedAtUnixMs
    out.owner = migration.owner
    return out
}
