/// Active runs whose current step is one step, by that step's status.
public struct StepCounts: Hashable, Sendable, Codable {
    /// The step.
    public var stepName: String
    /// Runs dispatching or waiting for the migrator's first event of this step.
    public var inProgress: UInt64
    /// Runs whose pull request for this step is open.
    public var open: UInt64
    /// Runs waiting for a manual review of this step.
    public var awaitingReview: UInt64
    /// Runs whose attempt at this step failed (waiting for a retry or a cancel).
    public var failed: UInt64

    /// Creates counts for one step.
    public init(stepName: String, inProgress: UInt64 = 0, open: UInt64 = 0, awaitingReview: UInt64 = 0, failed: UInt64 = 0) {
        self.stepName = stepName
        self.inProgress = inProgress
        self.open = open
        self.awaitingReview = awaitingReview
        self.failed = failed
    }

    /// The count for `status` (statuses a current step of an active run cannot have count 0).
    public subscript(status: StepStatus) -> UInt64 {
        get {
            switch status {
            case .inProgress: inProgress
            case .open: open
            case .awaitingReview: awaitingReview
            case .failed: failed
            case .completed, .merged, .cancelled: 0
            }
        }
        set {
            switch status {
            case .inProgress: inProgress = newValue
            case .open: open = newValue
            case .awaitingReview: awaitingReview = newValue
            case .failed: failed = newValue
            case .completed, .merged, .cancelled: break
            }
        }
    }

    /// Whether every count is zero.
    public var isEmpty: Bool { inProgress == 0 && open == 0 && awaitingReview == 0 && failed == 0 }
}

/// How far a migration is: its candidates and runs per status, and active runs per step.
///
/// Stores keep these in the same atomic operation as every announce, submission and run
/// transition (never by scanning, never by a read-modify-write from Swift), so they are exact
/// after any crash. ``MigrationCounts/recount(candidates:runs:stepOrder:)`` computes the same
/// figures from records; the recount use case compares the two.
public struct MigrationCounts: Hashable, Sendable, Codable {
    /// Candidates per status (every status present, zero included).
    public var candidates: [CandidateStatus: UInt64]
    /// Runs per status: each candidate's latest run counts once (every status present).
    public var runs: [RunStatus: UInt64]
    /// Active runs (running or waiting_retry) per current step; steps with no active run are
    /// left out. Ordered by the migration's step order, then by name for steps no longer
    /// announced.
    public var steps: [StepCounts]

    /// All zero.
    public init() {
        self.candidates = Dictionary(uniqueKeysWithValues: CandidateStatus.allCases.map { ($0, 0) })
        self.runs = Dictionary(uniqueKeysWithValues: RunStatus.allCases.map { ($0, 0) })
        self.steps = []
    }

    /// Every candidate, whatever its status.
    public var candidateTotal: UInt64 { candidates.values.reduce(0, +) }

    /// Every run, whatever its status.
    public var runTotal: UInt64 { runs.values.reduce(0, +) }

    /// Active runs that wait for a person now: a manual review, or a retry after a failure.
    public var needingAttention: UInt64 {
        steps.reduce(0) { $0 + $1.awaitingReview } + (runs[.waitingRetry] ?? 0)
    }

    /// Orders ``steps`` by `stepOrder` (a migration's step names), unknown names last by name,
    /// dropping empty entries.
    public mutating func orderSteps(by stepOrder: [String]) {
        let position = Dictionary(stepOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        steps = steps.filter { !$0.isEmpty }.sorted { lhs, rhs in
            switch (position[lhs.stepName], position[rhs.stepName]) {
            case let (l?, r?): l < r
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): lhs.stepName < rhs.stepName
            }
        }
    }

    /// The counts of a migration computed from its records: what the maintained counts must
    /// equal.
    /// - Parameters:
    ///   - candidates: The status of every candidate.
    ///   - runs: The latest run of every candidate that has one.
    ///   - stepOrder: The migration's step names, for ordering ``steps``.
    public static func recount(
        candidates: some Sequence<CandidateStatus>, runs: some Sequence<Run>, stepOrder: [String]
    ) -> MigrationCounts {
        var counts = MigrationCounts()
        for status in candidates { counts.candidates[status, default: 0] += 1 }
        var steps: [String: StepCounts] = [:]
        for run in runs {
            counts.runs[run.status, default: 0] += 1
            guard let position = RunPosition(run) else { continue }
            steps[position.stepName, default: StepCounts(stepName: position.stepName)][position.stepStatus] += 1
        }
        counts.steps = Array(steps.values)
        counts.orderSteps(by: stepOrder)
        return counts
    }

    /// One line per figure that differs from `other`, e.g. `runs.running: 3 here, 2 there`.
    public func differences(from other: MigrationCounts, here: String, there: String) -> [String] {
        var lines: [String] = []
        for status in CandidateStatus.allCases where candidates[status, default: 0] != other.candidates[status, default: 0] {
            lines.append("candidates.\(status.rawValue): \(candidates[status, default: 0]) \(here), \(other.candidates[status, default: 0]) \(there)")
        }
        for status in RunStatus.allCases where runs[status, default: 0] != other.runs[status, default: 0] {
            lines.append("runs.\(status.rawValue): \(runs[status, default: 0]) \(here), \(other.runs[status, default: 0]) \(there)")
        }
        let mine = Dictionary(steps.map { ($0.stepName, $0) }, uniquingKeysWith: { first, _ in first })
        let theirs = Dictionary(other.steps.map { ($0.stepName, $0) }, uniquingKeysWith: { first, _ in first })
        for name in Set(mine.keys).union(theirs.keys).sorted() {
            let a = mine[name] ?? StepCounts(stepName: name), b = theirs[name] ?? StepCounts(stepName: name)
            for status in [StepStatus.inProgress, .open, .awaitingReview, .failed] where a[status] != b[status] {
                lines.append("steps.\(name).\(status.rawValue): \(a[status]) \(here), \(b[status]) \(there)")
            }
        }
        return lines
    }
}

/// Where an active run stands, as the counts and indexes see it: its run status, current step
/// and that step's status. Finished runs have no position.
public struct RunPosition: Hashable, Sendable {
    /// The current step.
    public var stepName: String
    /// The status of the current step's latest result (`in_progress` before its first result).
    public var stepStatus: StepStatus

    /// The position of `run`, or `nil` when it is finished or has no current step.
    public init?(_ run: Run) {
        guard !run.status.isFinished, let step = run.currentStepDefinition else { return nil }
        self.stepName = step.name
        self.stepStatus = run.currentResult?.status ?? .inProgress
    }
}
