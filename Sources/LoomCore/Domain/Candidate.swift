/// Whether a run is active or finished for a candidate (not whether it succeeded).
public enum CandidateStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// No run is active and none has completed.
    case notStarted = "not_started"
    /// A run is active (including a run whose step failed and waits for a retry).
    case running
    /// A run completed every step.
    case completed
}

/// A file a migration will touch. Opaque to Loom.
public struct FileRef: Hashable, Sendable, Codable {
    /// Path relative to the repository root.
    public var path: String
    /// Web link to the file.
    public var url: String

    /// Creates a file reference.
    public init(path: String, url: String) {
        self.path = path
        self.url = url
    }
}

/// Files grouped by context (an environment such as `prod`, or `base`). Opaque to Loom.
public struct FileGroup: Hashable, Sendable, Codable {
    /// Context name (e.g. `prod`, `staging`, `base`, `app-repo`).
    public var name: String
    /// Repository name without organisation.
    public var repo: String
    /// The files in this group.
    public var files: [FileRef]

    /// Creates a file group.
    public init(name: String, repo: String, files: [FileRef] = []) {
        self.name = name
        self.repo = repo
        self.files = files
    }
}

/// A subject a migration can be applied to (an app, a repository, a topic...).
public struct Candidate: Hashable, Sendable, Codable {
    /// Primary key within its migration; a valid ``Identifier``.
    public var id: String
    /// Free-form category set by the discoverer (e.g. `application`).
    public var kind: String
    /// Opaque descriptive values. Operator inputs are merged into a run's copy only.
    public var metadata: [String: String]
    /// Files the migration will touch, grouped by context.
    public var files: [FileGroup]
    /// Managed by Loom; values supplied by callers are ignored.
    public var status: CandidateStatus
    /// The migration's steps this candidate runs, in this order (each at most once); empty =
    /// every step in the migration's order. Runs and dry runs use it.
    public var steps: [String]
    /// Inputs an operator set before a start (``Service/updateCandidateInputs(migrationId:candidateId:inputs:)``);
    /// a start's or dry run's own inputs win over these, key by key.
    public var inputs: [String: String]

    /// Creates a candidate.
    public init(
        id: String,
        kind: String,
        metadata: [String: String] = [:],
        files: [FileGroup] = [],
        status: CandidateStatus = .notStarted,
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

    /// The steps a run of this candidate executes: ``steps`` resolved against the migration's
    /// definitions, or every step of `migration` when ``steps`` is empty.
    /// - Throws: ``LoomError`` `failedPrecondition` naming a step the migration no longer declares.
    public func plannedSteps(of migration: Migration) throws(LoomError) -> [StepDefinition] {
        guard !steps.isEmpty else { return migration.steps }
        var planned: [StepDefinition] = []
        for name in steps {
            guard let step = migration.steps.first(where: { $0.name == name }) else {
                throw LoomError(
                    code: .failedPrecondition,
                    message: "candidate \(Identifier.quoted(id)) names step \(Identifier.quoted(name)), which migration \(Identifier.quoted(migration.id)) does not declare")
            }
            planned.append(step)
        }
        return planned
    }
}

extension Array where Element == Candidate {
    /// The last candidate of each id, in the order ids were first seen: how a batch naming an
    /// id twice is read.
    public func lastOfEachID() -> [Candidate] {
        var index: [String: Int] = [:]
        var result: [Candidate] = []
        for candidate in self {
            if let position = index[candidate.id] {
                result[position] = candidate
            } else {
                index[candidate.id] = result.count
                result.append(candidate)
            }
        }
        return result
    }
}
