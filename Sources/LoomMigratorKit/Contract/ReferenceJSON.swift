/// The JSON bodies of the reference system's HTTP contract (Protos/loom-http.openapi.yaml), byte-compatible with it.
///
/// Field names are camelCase exactly as the reference spells them. Optional fields are `Optional` and are
/// omitted when unset (the synthesised `Encodable` uses `encodeIfPresent`); arrays the reference requires are
/// non-optional, so they are always emitted, as `[]` when empty and never as `null`. Unknown JSON properties are
/// ignored on decode, as the reference does. These types carry no behaviour: the shim converts them to the
/// domain types of `LoomCore` at its boundary.
public enum ReferenceJSON {}

extension ReferenceJSON {
    /// One file a migration will touch (`FileRef`, §1.5).
    public struct FileRef: Codable, Hashable, Sendable {
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

    /// Files grouped by context such as an environment (`FileGroup`, §1.5).
    public struct FileGroup: Codable, Hashable, Sendable {
        /// Context name (`prod`, `staging`, `base`, …).
        public var name: String
        /// Repository name without the organisation.
        public var repo: String
        /// The files of this group.
        public var files: [FileRef]

        /// Creates a file group.
        public init(name: String, repo: String, files: [FileRef]) {
            self.name = name
            self.repo = repo
            self.files = files
        }
    }

    /// A subject a migration can be applied to (`Candidate`, §1.4).
    public struct Candidate: Codable, Hashable, Sendable {
        /// Logical id, unique within the migration.
        public var id: String
        /// Free-form category (for example `application`).
        public var kind: String
        /// Opaque descriptive values; omitted when unset.
        public var metadata: [String: String]?
        /// Files the migration will touch; omitted when unset.
        public var files: [FileGroup]?
        /// `not_started`, `running` or `completed`; absent means `not_started`.
        public var status: CandidateStatus?
        /// The names of the migration's steps this candidate runs, in order (Loom's addition);
        /// absent or empty means every step.
        public var steps: [String]?

        /// Creates a candidate.
        public init(
            id: String,
            kind: String,
            metadata: [String: String]? = nil,
            files: [FileGroup]? = nil,
            status: CandidateStatus? = nil,
            steps: [String]? = nil
        ) {
            self.id = id
            self.kind = kind
            self.metadata = metadata
            self.files = files
            self.status = status
            self.steps = steps
        }
    }

    /// The candidate status enum of the contract; decoding any other string fails (400 at the shim).
    public enum CandidateStatus: String, Codable, Hashable, Sendable, CaseIterable {
        /// No run is active and none finished.
        case notStarted = "not_started"
        /// A run is active (or failed and awaits a retry).
        case running
        /// A run finished all its steps.
        case completed
    }

    /// A value the operator is asked for before starting (`InputDefinition`, §1.2).
    public struct InputDefinition: Codable, Hashable, Sendable {
        /// Metadata key the value is written under.
        public var name: String
        /// UI label.
        public var label: String

        /// Creates an input definition.
        public init(name: String, label: String) {
            self.name = name
            self.label = label
        }
    }

    /// One step of a migration (`StepDefinition`, §1.3).
    public struct StepDefinition: Codable, Hashable, Sendable {
        /// Step name, unique within the migration.
        public var name: String
        /// The migrator app owning the step.
        public var migratorApp: String
        /// UI text; omitted when unset.
        public var description: String?
        /// Handler selector inside the migrator; omitted when unset.
        public var type: String?
        /// Opaque key/values forwarded verbatim; omitted when unset.
        public var config: [String: String]?

        /// Creates a step definition.
        public init(
            name: String,
            migratorApp: String,
            description: String? = nil,
            type: String? = nil,
            config: [String: String]? = nil
        ) {
            self.name = name
            self.migratorApp = migratorApp
            self.description = description
            self.type = type
            self.config = config
        }
    }

    /// `POST /registry/announce` body (`MigrationAnnouncement`, §4.3).
    ///
    /// `id`, `name`, `migratorUrl` and `steps` are required; `description` and `candidates` are accepted when
    /// missing (the reference never enforced them) and treated as empty.
    public struct MigrationAnnouncement: Codable, Hashable, Sendable {
        /// Deterministic migration slug.
        public var id: String
        /// Display name.
        public var name: String
        /// Display text.
        public var description: String?
        /// Candidates known at announce time (used only when the migration is new).
        public var candidates: [Candidate]?
        /// Ordered steps.
        public var steps: [StepDefinition]
        /// Base URL the server dispatches to.
        public var migratorUrl: String
        /// Inputs asked of the operator; omitted when unset.
        public var requiredInputs: [InputDefinition]?

        /// Creates an announcement.
        public init(
            id: String,
            name: String,
            description: String?,
            candidates: [Candidate]?,
            steps: [StepDefinition],
            migratorUrl: String,
            requiredInputs: [InputDefinition]? = nil
        ) {
            self.id = id
            self.name = name
            self.description = description
            self.candidates = candidates
            self.steps = steps
            self.migratorUrl = migratorUrl
            self.requiredInputs = requiredInputs
        }
    }

    /// `POST /migrations/{id}/candidates` body (`SubmitCandidatesRequest`, §1.9).
    public struct SubmitCandidatesRequest: Codable, Hashable, Sendable {
        /// The discovered candidates.
        public var candidates: [Candidate]

        /// Creates a submission.
        public init(candidates: [Candidate]) {
            self.candidates = candidates
        }
    }

    /// `POST /event/{callbackId}` body (`StepCompletedEvent`, §4.5).
    public struct StepCompletedEvent: Codable, Hashable, Sendable {
        /// Step the event is about.
        public var stepName: String
        /// Candidate id.
        public var candidateId: String
        /// `false` means the step failed.
        public var success: Bool
        /// Status override when `success` is true; omitted when unset.
        public var phase: String?
        /// Replaces the step's metadata; omitted when unset.
        public var metadata: [String: String]?
        /// Why the step failed (Loom addition, optional; the reference sends no reason).
        public var failureReason: String?

        /// Creates an event.
        public init(
            stepName: String,
            candidateId: String,
            success: Bool,
            phase: String? = nil,
            metadata: [String: String]? = nil,
            failureReason: String? = nil
        ) {
            self.stepName = stepName
            self.candidateId = candidateId
            self.success = success
            self.phase = phase
            self.metadata = metadata
            self.failureReason = failureReason
        }
    }

    /// `{"status": "…"}`: the reference's success body for announce (`SUCCESS`) and events (`event raised`).
    public struct StatusResponse: Codable, Hashable, Sendable {
        /// The status text.
        public var status: String
        /// Candidates of the request that were refused, with why (Loom's addition; absent when
        /// none was: the reference's shape).
        public var rejected: [RejectedCandidate]?

        /// Creates a status body.
        public init(status: String, rejected: [RejectedCandidate]? = nil) {
            self.status = status
            self.rejected = rejected
        }
    }

    /// A candidate of a batch that was refused, and why; the rest of the batch was stored.
    public struct RejectedCandidate: Codable, Hashable, Sendable {
        /// The id as sent (cut to 256 characters).
        public var id: String
        /// Why it was refused.
        public var reason: String

        /// Creates a rejection.
        public init(id: String, reason: String) {
            self.id = id
            self.reason = reason
        }
    }

    /// `{"error": "…"}`: every error response of the shim.
    public struct ErrorResponse: Codable, Hashable, Sendable {
        /// A short human message; never internal error text.
        public var error: String

        /// Creates an error body.
        public init(error: String) {
            self.error = error
        }
    }
}
