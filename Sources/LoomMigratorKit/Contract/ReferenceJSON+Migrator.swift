extension ReferenceJSON {
    /// `POST {migratorUrl}/dispatch-step` body (`DispatchStepRequest`, §4.1) plus Loom's optional additions.
    ///
    /// The first nine fields are exactly the reference's. `idempotencyKey`, `attempt`, `callbackToken` and
    /// `callbackUrl` are new and optional, so reference migrators (which ignore unknown fields) work unchanged.
    public struct DispatchStepRequest: Codable, Hashable, Sendable {
        /// Migration id (not the run id).
        public var migrationId: String
        /// Step to execute.
        public var stepName: String
        /// Candidate from the run manifest (inputs merged into metadata).
        public var candidate: Candidate
        /// The step's config map; omitted when unset.
        public var config: [String: String]?
        /// Run id; the migrator posts events to `/event/{callbackId}`.
        public var callbackId: String
        /// `step-completed:{stepName}:{candidateId}`.
        public var eventName: String
        /// The step's migrator app.
        public var migratorApp: String
        /// The migrator base URL being called (echoed).
        public var migratorUrl: String
        /// The step's handler type; omitted when unset.
        public var type: String?
        /// Stable key of this dispatch (`run/step/attempt`); the same on every re-send of one attempt.
        public var idempotencyKey: String?
        /// Attempt number of the step, starting at 1.
        public var attempt: Int?
        /// Token to send back as `Authorization: Bearer <token>` on events for this attempt.
        public var callbackToken: String?
        /// Absolute URL of the event endpoint for this run, when the server knows its public address.
        public var callbackUrl: String?

        /// Creates a dispatch body.
        public init(
            migrationId: String,
            stepName: String,
            candidate: Candidate,
            config: [String: String]?,
            callbackId: String,
            eventName: String,
            migratorApp: String,
            migratorUrl: String,
            type: String?,
            idempotencyKey: String? = nil,
            attempt: Int? = nil,
            callbackToken: String? = nil,
            callbackUrl: String? = nil
        ) {
            self.migrationId = migrationId
            self.stepName = stepName
            self.candidate = candidate
            self.config = config
            self.callbackId = callbackId
            self.eventName = eventName
            self.migratorApp = migratorApp
            self.migratorUrl = migratorUrl
            self.type = type
            self.idempotencyKey = idempotencyKey
            self.attempt = attempt
            self.callbackToken = callbackToken
            self.callbackUrl = callbackUrl
        }
    }

    /// `POST {migratorUrl}/step-status` body (Loom's reconciliation of lost callbacks, optional for migrators):
    /// which attempt of which step Loom asks about. The answer is a ``StepCompletedEvent`` (200), 202 while
    /// the migrator is still working, or 404 / 405 / 501 from a migrator without the endpoint.
    public struct StepStatusRequest: Codable, Hashable, Sendable {
        /// Migration id.
        public var migrationId: String
        /// Candidate id.
        public var candidateId: String
        /// The run id, as in the dispatch.
        public var callbackId: String
        /// The step asked about.
        public var stepName: String
        /// The attempt asked about, starting at 1.
        public var attempt: Int
        /// The dispatch's idempotency key (also sent as the `Idempotency-Key` header).
        public var idempotencyKey: String

        /// Creates a status request body.
        public init(migrationId: String, candidateId: String, callbackId: String, stepName: String, attempt: Int, idempotencyKey: String) {
            self.migrationId = migrationId
            self.candidateId = candidateId
            self.callbackId = callbackId
            self.stepName = stepName
            self.attempt = attempt
            self.idempotencyKey = idempotencyKey
        }
    }

    /// `POST {migratorUrl}/dry-run` body (`DryRunRequest`, §4.2).
    public struct DryRunRequest: Codable, Hashable, Sendable {
        /// Migration id.
        public var migrationId: String
        /// The candidate as supplied by the caller.
        public var candidate: Candidate
        /// All of the migration's steps.
        public var steps: [StepDefinition]

        /// Creates a dry-run body.
        public init(migrationId: String, candidate: Candidate, steps: [StepDefinition]) {
            self.migrationId = migrationId
            self.candidate = candidate
            self.steps = steps
        }
    }

    /// A migrator's dry-run answer (`DryRunResult`, §1.8).
    public struct DryRunResult: Codable, Hashable, Sendable {
        /// One entry per step.
        public var steps: [StepDryRunResult]

        /// Creates a result.
        public init(steps: [StepDryRunResult]) {
            self.steps = steps
        }
    }

    /// The dry-run outcome of one step (`StepDryRunResult`, §1.8).
    public struct StepDryRunResult: Codable, Hashable, Sendable {
        /// Step name.
        public var stepName: String
        /// Whether the step was not executed.
        public var skipped: Bool
        /// Handler error text; omitted when unset.
        public var error: String?
        /// File changes; omitted when skipped or errored.
        public var files: [FileDiff]?

        /// Creates a step result.
        public init(stepName: String, skipped: Bool, error: String? = nil, files: [FileDiff]? = nil) {
            self.stepName = stepName
            self.skipped = skipped
            self.error = error
            self.files = files
        }
    }

    /// One file change of a dry run (`FileDiff`, §1.8).
    public struct FileDiff: Codable, Hashable, Sendable {
        /// Path in the repository.
        public var path: String
        /// Repository name.
        public var repo: String
        /// Content before; empty means the file is new; omitted when unset.
        public var before: String?
        /// Content after.
        public var after: String
        /// `new`, `modified` or `deleted`.
        public var status: FileDiffStatus

        /// Creates a file diff.
        public init(path: String, repo: String, before: String?, after: String, status: FileDiffStatus) {
            self.path = path
            self.repo = repo
            self.before = before
            self.after = after
            self.status = status
        }
    }

    /// `FileDiff.status` values.
    public enum FileDiffStatus: String, Codable, Hashable, Sendable, CaseIterable {
        /// The file is created.
        case new
        /// The file is changed.
        case modified
        /// The file is removed.
        case deleted
    }
}
