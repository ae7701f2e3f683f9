/// Whether a dry-run diff creates, changes or deletes a file.
public enum FileDiffStatus: String, Hashable, Sendable, Codable {
    /// The file would be created.
    case new
    /// The file would be changed.
    case modified
    /// The file would be deleted.
    case deleted
}

/// The change one step would make to one file.
public struct FileDiff: Hashable, Sendable, Codable {
    /// Path relative to the repository root.
    public var path: String
    /// Repository name.
    public var repo: String
    /// Content before; empty for a new file.
    public var before: String
    /// Content after; empty for a deleted file.
    public var after: String
    /// Kind of change.
    public var status: FileDiffStatus

    /// Creates a file diff.
    public init(path: String, repo: String, before: String = "", after: String, status: FileDiffStatus) {
        self.path = path
        self.repo = repo
        self.before = before
        self.after = after
        self.status = status
    }
}

/// What one step would do.
public struct StepDryRunResult: Hashable, Sendable, Codable {
    /// The step.
    public var stepName: String
    /// The step would not execute (foreign migratorApp, no type, unknown type).
    public var skipped: Bool
    /// The step's handler failed; empty when it did not.
    public var error: String
    /// The stacked file diffs.
    public var files: [FileDiff]

    /// Creates a step dry-run result.
    public init(stepName: String, skipped: Bool = false, error: String = "", files: [FileDiff] = []) {
        self.stepName = stepName
        self.skipped = skipped
        self.error = error
        self.files = files
    }
}

/// What a run would do, step by step.
public struct DryRunResult: Hashable, Sendable, Codable {
    /// One result per step.
    public var steps: [StepDryRunResult]

    /// Creates a dry-run result.
    public init(steps: [StepDryRunResult]) {
        self.steps = steps
    }
}

/// The body Loom POSTs to `{migratorUrl}/dry-run`.
public struct DryRunRequest: Hashable, Sendable, Codable {
    /// The migration.
    public var migrationId: String
    /// The candidate to preview (inputs already merged into its metadata).
    public var candidate: Candidate
    /// All of the migration's steps (the migrator skips foreign ones).
    public var steps: [StepDefinition]

    /// Creates a dry-run request.
    public init(migrationId: String, candidate: Candidate, steps: [StepDefinition]) {
        self.migrationId = migrationId
        self.candidate = candidate
        self.steps = steps
    }
}
