// Migrations, steps and candidates, as announced by migrators.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// A value the operator is asked for before a run starts.
///
/// The Swift form of `loom.v1.InputDefinition`.
public struct InputDefinition: Sendable, Hashable {
    /// Metadata key the operator's value is written under at start time (e.g. "repoName").
    public var name: String
    /// Human label for the input (e.g. "Repository").
    public var label: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        name: String = "",
        label: String = ""
    ) {
        self.name = name
        self.label = label
    }
}

/// One ordered step of a migration.
///
/// The Swift form of `loom.v1.StepDefinition`.
public struct StepDefinition: Sendable, Hashable {
    /// Unique within the migration.
    public var name: String
    /// The migrator app that owns the step; forwarded to the migrator, informational to Loom.
    public var migratorApp: String
    /// Human description; not forwarded on dispatch.
    public var description: String
    /// Handler selector inside the migrator (e.g. "swap-chart", "manual-review").
    public var type: String
    /// Opaque key/values forwarded verbatim on dispatch. The key "loom.timeout_seconds"
    /// (decimal) sets a per-step timeout that overrides the server default.
    public var config: [String: String]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        name: String = "",
        migratorApp: String = "",
        description: String = "",
        type: String = "",
        config: [String: String] = [:]
    ) {
        self.name = name
        self.migratorApp = migratorApp
        self.description = description
        self.type = type
        self.config = config
    }
}

/// A file a migration will touch.
///
/// The Swift form of `loom.v1.FileRef`.
public struct FileRef: Sendable, Hashable {
    /// Path relative to the repository root.
    public var path: String
    /// Web link to the file.
    public var url: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        path: String = "",
        url: String = ""
    ) {
        self.path = path
        self.url = url
    }
}

/// Files grouped by context (an environment such as "prod", or "base").
///
/// The Swift form of `loom.v1.FileGroup`.
public struct FileGroup: Sendable, Hashable {
    /// Context name (e.g. "prod", "staging", "base", "app-repo").
    public var name: String
    /// Repository name without organisation.
    public var repo: String
    /// The files in this group.
    public var files: [FileRef]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        name: String = "",
        repo: String = "",
        files: [FileRef] = []
    ) {
        self.name = name
        self.repo = repo
        self.files = files
    }
}

/// A subject a migration can be applied to (an app, a repository, a topic...).
///
/// The Swift form of `loom.v1.Candidate`.
public struct Candidate: Sendable, Hashable {
    /// Primary key within its migration (e.g. "billing-api").
    public var id: String
    /// Free-form category set by the discoverer (e.g. "application").
    public var kind: String
    /// Opaque descriptive values; operator inputs are merged into the run's copy.
    public var metadata: [String: String]
    /// Files the migration will touch, grouped by context.
    public var files: [FileGroup]
    /// Managed by Loom; incoming values are ignored.
    public var status: CandidateStatus
    /// The migration's steps this candidate runs, in this order (names of the
    /// migration's steps, each at most once); empty = every step in the
    /// migration's order. Runs and dry runs use it; a run keeps the steps it
    /// started with.
    public var steps: [String]
    /// Inputs an operator set before starting (UpdateCandidateInputs); a
    /// StartRun's or DryRun's own inputs win over these, key by key.
    public var inputs: [String: String]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        id: String = "",
        kind: String = "",
        metadata: [String: String] = [:],
        files: [FileGroup] = [],
        status: CandidateStatus = .unspecified,
        steps: [String] = [],
        inputs: [String: String] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.metadata = metadata
        self.files = files
        self.status = status
        self.steps = steps
        self.inputs = inputs
    }
}

/// A registered, reusable plan announced by one migrator.
///
/// The Swift form of `loom.v1.Migration`.
public struct Migration: Sendable, Hashable {
    /// Deterministic slug chosen by the migrator (e.g. "app-chart-migration").
    public var id: String
    /// Display name.
    public var name: String
    /// Display text.
    public var description: String
    /// Base URL Loom POSTs /dispatch-step and /dry-run to (http:// or https://).
    public var migratorURL: String
    /// Values the operator must supply when starting a run.
    public var requiredInputs: [InputDefinition]
    /// On Announce: candidates to add (at most 10,000 per request). Never filled
    /// in responses: a migration can have 100,000 candidates; page through them
    /// with ListCandidates and read their counts in `counts`.
    public var candidates: [Candidate]
    /// Ordered steps; runs execute them strictly in this order.
    public var steps: [StepDefinition]
    /// Set when first announced; never changed afterwards.
    public var createdAtUnixMs: Int64
    /// Set on every announce.
    public var updatedAtUnixMs: Int64
    /// Identity of the migrator that announced it (from its client certificate), if known.
    public var owner: String
    /// How far the migration is: candidates and runs per status, active runs per
    /// step. Filled by GetMigration and ListMigrations; ignored on input.
    public var counts: MigrationCounts?

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        id: String = "",
        name: String = "",
        description: String = "",
        migratorURL: String = "",
        requiredInputs: [InputDefinition] = [],
        candidates: [Candidate] = [],
        steps: [StepDefinition] = [],
        createdAtUnixMs: Int64 = 0,
        updatedAtUnixMs: Int64 = 0,
        owner: String = "",
        counts: MigrationCounts? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.migratorURL = migratorURL
        self.requiredInputs = requiredInputs
        self.candidates = candidates
        self.steps = steps
        self.createdAtUnixMs = createdAtUnixMs
        self.updatedAtUnixMs = updatedAtUnixMs
        self.owner = owner
        self.counts = counts
    }
}

/// Counts of one migration's candidates and runs. The store keeps them in the
/// same atomic operation as every transition, so they are exact after any crash
/// (RecountMigration recomputes them from the records and reports any drift).
///
/// The Swift form of `loom.v1.MigrationCounts`.
public struct MigrationCounts: Sendable, Hashable {
    /// Candidates whose status is not_started.
    public var candidatesNotStarted: UInt64
    /// Candidates whose status is running.
    public var candidatesRunning: UInt64
    /// Candidates whose status is completed.
    public var candidatesCompleted: UInt64
    /// Runs whose status is running. Runs per run status: each candidate's latest run
    /// counts once.
    public var runsRunning: UInt64
    /// Runs whose status is waiting_retry (each candidate's latest run counts once).
    public var runsWaitingRetry: UInt64
    /// Runs whose status is completed (each candidate's latest run counts once).
    public var runsCompleted: UInt64
    /// Runs whose status is cancelled (each candidate's latest run counts once).
    public var runsCancelled: UInt64
    /// Runs whose status is failed (each candidate's latest run counts once).
    public var runsFailed: UInt64
    /// Active runs (running or waiting_retry) per current step, by the status of
    /// that step; in the migration's step order, then steps no longer announced.
    public var steps: [StepCounts]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        candidatesNotStarted: UInt64 = 0,
        candidatesRunning: UInt64 = 0,
        candidatesCompleted: UInt64 = 0,
        runsRunning: UInt64 = 0,
        runsWaitingRetry: UInt64 = 0,
        runsCompleted: UInt64 = 0,
        runsCancelled: UInt64 = 0,
        runsFailed: UInt64 = 0,
        steps: [StepCounts] = []
    ) {
        self.candidatesNotStarted = candidatesNotStarted
        self.candidatesRunning = candidatesRunning
        self.candidatesCompleted = candidatesCompleted
        self.runsRunning = runsRunning
        self.runsWaitingRetry = runsWaitingRetry
        self.runsCompleted = runsCompleted
        self.runsCancelled = runsCancelled
        self.runsFailed = runsFailed
        self.steps = steps
    }
}

/// Active runs whose current step is `step_name`, by that step's status.
///
/// The Swift form of `loom.v1.StepCounts`.
public struct StepCounts: Sendable, Hashable {
    /// The step these counts are for.
    public var stepName: String
    /// Active runs whose current step is in_progress.
    public var inProgress: UInt64
    /// Active runs whose current step is open (its pull request is open).
    public var open: UInt64
    /// Active runs whose current step is awaiting_review.
    public var awaitingReview: UInt64
    /// Active runs whose current step failed (waiting for a retry or a cancel).
    public var failed: UInt64

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        stepName: String = "",
        inProgress: UInt64 = 0,
        open: UInt64 = 0,
        awaitingReview: UInt64 = 0,
        failed: UInt64 = 0
    ) {
        self.stepName = stepName
        self.inProgress = inProgress
        self.open = open
        self.awaitingReview = awaitingReview
        self.failed = failed
    }
}
