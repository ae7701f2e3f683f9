// Dry-run previews.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// The change one step would make to one file.
///
/// The Swift form of `loom.v1.FileDiff`.
public struct FileDiff: Sendable, Hashable {
    /// Path of the file relative to the repository root.
    public var path: String
    /// Repository the file belongs to, without organisation.
    public var repo: String
    /// Content before; empty for a new file.
    public var before: String
    /// Content after; empty for a deleted file.
    public var after: String
    /// Whether the file would be created, modified or deleted.
    public var status: FileDiffStatus

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        path: String = "",
        repo: String = "",
        before: String = "",
        after: String = "",
        status: FileDiffStatus = .unspecified
    ) {
        self.path = path
        self.repo = repo
        self.before = before
        self.after = after
        self.status = status
    }
}

/// What one step would do.
///
/// The Swift form of `loom.v1.StepDryRunResult`.
public struct StepDryRunResult: Sendable, Hashable {
    /// The step previewed.
    public var stepName: String
    /// The step would not execute (foreign migratorApp, no type, unknown type).
    public var skipped: Bool
    /// The step's handler failed; empty when it did not.
    public var error: String
    /// The changes the step would make, one per file.
    public var files: [FileDiff]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        stepName: String = "",
        skipped: Bool = false,
        error: String = "",
        files: [FileDiff] = []
    ) {
        self.stepName = stepName
        self.skipped = skipped
        self.error = error
        self.files = files
    }
}

/// What a run would do, step by step (diffs are stacked).
///
/// The Swift form of `loom.v1.DryRunResult`.
public struct DryRunResult: Sendable, Hashable {
    /// One preview per step, in step order.
    public var steps: [StepDryRunResult]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        steps: [StepDryRunResult] = []
    ) {
        self.steps = steps
    }
}
