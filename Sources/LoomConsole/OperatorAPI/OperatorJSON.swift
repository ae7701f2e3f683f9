import Foundation
import LoomCore
import LoomHTTP
import LoomMigratorKit

/// The bodies of the reference system's operator API (its console's JSON routes), with the reference's field
/// names and shapes; what Loom adds (``Migration/candidatesTruncated``, ``Migration/counts``, a step's
/// `failureReason`, a run's `runStatus`) is extra fields a reference client ignores.
public enum OperatorJSON {
    /// `GET /migrations`.
    public struct ListMigrationsResponse: Codable, Hashable, Sendable {
        /// One page of migrations, in id order.
        public var migrations: [Migration]
    }

    /// A migration as the reference returns it: its definition and (some of) its candidates.
    public struct Migration: Codable, Hashable, Sendable {
        /// The migration's id.
        public var id: String
        /// Display name.
        public var name: String
        /// What the migration does.
        public var description: String
        /// The migrator's base URL.
        public var migratorUrl: String
        /// Inputs an operator gives at start; omitted when none.
        public var requiredInputs: [ReferenceJSON.InputDefinition]?
        /// The first candidates in id order: all of them unless ``candidatesTruncated``.
        public var candidates: [ReferenceJSON.Candidate]
        /// The ordered steps.
        public var steps: [ReferenceJSON.StepDefinition]
        /// When the migration was first announced (RFC 3339, UTC).
        public var createdAt: String
        /// Loom: `true` when ``candidates`` holds only the first of them (page through
        /// `GET /migrations/{id}/candidates` for the rest).
        public var candidatesTruncated: Bool
        /// Loom: exact counts, kept with every transition.
        public var counts: Counts?
    }

    /// Loom's counts of a migration: candidates per status, runs per status.
    public struct Counts: Codable, Hashable, Sendable {
        /// Candidates per status (`not_started`, `running`, `completed`).
        public var candidates: [String: UInt64]
        /// Each candidate's latest run per run status (`running`, `waiting_retry`, …).
        public var runs: [String: UInt64]
    }

    /// `POST …/start`: the operator's inputs (optional).
    public struct StartRequest: Codable, Hashable, Sendable {
        /// Merged over the candidate's own inputs.
        public var inputs: [String: String]?
    }

    /// `POST …/retry-step`.
    public struct RetryStepRequest: Codable, Hashable, Sendable {
        /// The failed step to dispatch again.
        public var stepName: String
    }

    /// `PATCH …/inputs`.
    public struct UpdateInputsRequest: Codable, Hashable, Sendable {
        /// Input values; keys must be the migration's required inputs.
        public var inputs: [String: String]
    }

    /// `POST /migrations/{id}/dry-run`.
    public struct DryRunCandidateRequest: Codable, Hashable, Sendable {
        /// The candidate to preview, as the client has it.
        public var candidate: ReferenceJSON.Candidate
    }

    /// `GET …/steps`: where the candidate's run stands.
    public struct CandidateStepsResponse: Codable, Hashable, Sendable {
        /// `running` (also while it waits for a retry) or `completed`.
        public var status: String
        /// Loom: the run's exact status (`running`, `waiting_retry`, `completed`).
        public var runStatus: String
        /// One entry per step reached, in order.
        public var steps: [StepState]
    }

    /// One step of a run.
    public struct StepState: Codable, Hashable, Sendable {
        /// The step.
        public var stepName: String
        /// The run's candidate.
        public var candidate: ReferenceJSON.Candidate
        /// `in_progress`, `pending` (a pull request open or a review awaited), `succeeded`, `merged` or `failed`.
        public var status: String
        /// What the migrator reported (e.g. `prUrl`); omitted when empty.
        public var metadata: [String: String]?
        /// Loom: why the step failed; omitted unless it did.
        public var failureReason: String?
    }
}

extension OperatorJSON.Migration {
    /// The reference form of `migration` with `candidates` (the first of them when `truncated`).
    init(_ migration: LoomCore.Migration, candidates: [LoomCore.Candidate], truncated: Bool) {
        self.init(
            id: migration.id, name: migration.name, description: migration.description, migratorUrl: migration.migratorUrl,
            requiredInputs: migration.requiredInputs.isEmpty
                ? nil : migration.requiredInputs.map { ReferenceJSON.InputDefinition(name: $0.name, label: $0.label) },
            candidates: candidates.map(ReferenceJSON.Candidate.init), steps: migration.steps.map(ReferenceJSON.StepDefinition.init),
            createdAt: Layout.isoString(migration.createdAt), candidatesTruncated: truncated,
            counts: migration.counts.map { counts in
                OperatorJSON.Counts(
                    candidates: Dictionary(uniqueKeysWithValues: counts.candidates.map { ($0.key.rawValue, $0.value) }),
                    runs: Dictionary(uniqueKeysWithValues: counts.runs.map { ($0.key.rawValue, $0.value) }))
            })
    }
}

extension OperatorJSON.CandidateStepsResponse {
    /// The reference form of `run`; `nil` for a cancelled or failed run, which the reference does not keep (its
    /// cancel puts the candidate back to `not_started`), so the route answers 404 as the reference does.
    init?(_ run: Run) {
        let status: String
        switch run.status {
        case .running, .waitingRetry: status = "running"
        case .completed: status = "completed"
        case .cancelled, .failed: return nil
        }
        let candidate = ReferenceJSON.Candidate(run.candidate)
        self.init(
            status: status, runStatus: run.status.rawValue,
            steps: run.results.map { result in
                OperatorJSON.StepState(
                    stepName: result.stepName, candidate: candidate, status: Self.referenceStatus(result.status),
                    metadata: result.metadata.isEmpty ? nil : result.metadata,
                    failureReason: result.status == .failed ? result.failureReason : nil)
            })
    }

    /// The reference's step status for Loom's (`open` and `awaiting_review` are the reference's `pending`).
    static func referenceStatus(_ status: StepStatus) -> String {
        switch status {
        case .inProgress: "in_progress"
        case .awaitingReview, .open: "pending"
        case .completed: "succeeded"
        case .merged: "merged"
        case .failed, .cancelled: "failed"
        }
    }
}
