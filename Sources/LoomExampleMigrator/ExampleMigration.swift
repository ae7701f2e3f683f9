import LoomMigratorKit

/// The migration this example migrator announces: upgrade Kubernetes manifests in every
/// repository of a workspace, with a pull-request-style flow and an operator review.
public enum ExampleMigration {
    /// The migration id.
    public static let id = "manifest-upgrade"
    /// The migrator app that owns every step.
    public static let migratorApp = "example-migrator"

    /// The announcement, pointing Loom at `migratorURL` for dispatches and dry runs (the same over REST and RPC).
    public static func announcement(migratorURL: String) -> ReferenceJSON.MigrationAnnouncement {
        ReferenceJSON.MigrationAnnouncement(
            id: id,
            name: "Upgrade deployment manifests",
            description: "Moves Deployments from apps/v1beta1 to apps/v1, labels them with their owning team, "
                + "then waits for an operator to review the rollout.",
            candidates: nil,
            steps: [
                ReferenceJSON.StepDefinition(
                    name: "upgrade-api-version", migratorApp: migratorApp,
                    description: "Rewrite apiVersion apps/v1beta1 to apps/v1 (a pull request, merged automatically).",
                    type: "replace-api-version", config: ["from": "apps/v1beta1", "to": "apps/v1"]),
                ReferenceJSON.StepDefinition(
                    name: "add-owner-label", migratorApp: migratorApp,
                    description: "Label every manifest with its owning team (a pull request, merged automatically).",
                    type: "add-label", config: ["label": "loom.dev/owner", "valueFrom": "team"]),
                ReferenceJSON.StepDefinition(
                    name: "review-rollout", migratorApp: migratorApp,
                    description: "An operator checks the rollout and approves (loomctl run approve).",
                    type: "manual-review",
                    config: ["instructions": "Check the deployment rolled out, then: loomctl run approve manifest-upgrade <candidate>"]),
            ],
            migratorUrl: migratorURL,
            requiredInputs: [ReferenceJSON.InputDefinition(name: "team", label: "Owning team")])
    }
}
