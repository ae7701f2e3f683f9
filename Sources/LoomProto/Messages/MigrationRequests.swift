// Requests and responses of the migration methods of `service Loom`.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// The request of `Loom.Announce`.
///
/// The Swift form of `loom.v1.AnnounceRequest`.
public struct AnnounceRequest: Sendable, Hashable {
    /// The migration as the migrator declares it; `candidates`, `created_at_unix_ms`,
    /// `updated_at_unix_ms` and `owner` are ignored on re-announce (use SubmitCandidates).
    public var migration: Migration?

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migration: Migration? = nil
    ) {
        self.migration = migration
    }
}

/// The response of `Loom.Announce`.
///
/// The Swift form of `loom.v1.AnnounceResponse`.
public struct AnnounceResponse: Sendable, Hashable {
    /// The stored migration after the announce (with counts, without candidates).
    public var migration: Migration?
    /// Announced candidates that were not stored, each with why; the others were.
    public var rejectedCandidates: [RejectedCandidate]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migration: Migration? = nil,
        rejectedCandidates: [RejectedCandidate] = []
    ) {
        self.migration = migration
        self.rejectedCandidates = rejectedCandidates
    }
}

/// A candidate of a batch that was not stored, and why (the rest of the batch was).
///
/// The Swift form of `loom.v1.RejectedCandidate`.
public struct RejectedCandidate: Sendable, Hashable {
    /// The id as sent (cut to 256 characters).
    public var id: String
    /// Why the candidate was not stored.
    public var reason: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        id: String = "",
        reason: String = ""
    ) {
        self.id = id
        self.reason = reason
    }
}

/// The request of `Loom.ListMigrations`.
///
/// The Swift form of `loom.v1.ListMigrationsRequest`.
public struct ListMigrationsRequest: Sendable, Hashable {
    /// Maximum migrations to return; 0 = server default (100), at most 1000
    /// (larger is INVALID_ARGUMENT).
    public var pageSize: UInt32
    /// Opaque token from a previous response; empty for the first page.
    public var pageToken: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        pageSize: UInt32 = 0,
        pageToken: String = ""
    ) {
        self.pageSize = pageSize
        self.pageToken = pageToken
    }
}

/// The response of `Loom.ListMigrations`.
///
/// The Swift form of `loom.v1.ListMigrationsResponse`.
public struct ListMigrationsResponse: Sendable, Hashable {
    /// Ordered by id, with counts. Candidates are omitted (use ListCandidates).
    public var migrations: [Migration]
    /// Empty when there are no more pages.
    public var nextPageToken: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrations: [Migration] = [],
        nextPageToken: String = ""
    ) {
        self.migrations = migrations
        self.nextPageToken = nextPageToken
    }
}

/// The request of `Loom.GetMigration`.
///
/// The Swift form of `loom.v1.GetMigrationRequest`.
public struct GetMigrationRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = ""
    ) {
        self.migrationID = migrationID
    }
}

/// The request of `Loom.SubmitCandidates`.
///
/// The Swift form of `loom.v1.SubmitCandidatesRequest`.
public struct SubmitCandidatesRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// Merged, never replacing running or completed candidates; statuses are ignored.
    public var candidates: [Candidate]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidates: [Candidate] = []
    ) {
        self.migrationID = migrationID
        self.candidates = candidates
    }
}

/// The response of `Loom.SubmitCandidates`.
///
/// The Swift form of `loom.v1.SubmitCandidatesResponse`.
public struct SubmitCandidatesResponse: Sendable, Hashable {
    /// How many candidates were written (created or refreshed).
    public var accepted: UInt32
    /// Ids left unchanged because a run is active or completed for them.
    public var skippedIDs: [String]
    /// Candidates refused for bad input, each with why; the others were written.
    public var rejected: [RejectedCandidate]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        accepted: UInt32 = 0,
        skippedIDs: [String] = [],
        rejected: [RejectedCandidate] = []
    ) {
        self.accepted = accepted
        self.skippedIDs = skippedIDs
        self.rejected = rejected
    }
}

/// The request of `Loom.UpdateCandidateInputs`.
///
/// The Swift form of `loom.v1.UpdateCandidateInputsRequest`.
public struct UpdateCandidateInputsRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// The candidate's id within the migration.
    public var candidateID: String
    /// The candidate's inputs after the call (replacing the previous ones): each
    /// key must be a required input of the migration, each value non-empty.
    public var inputs: [String: String]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidateID: String = "",
        inputs: [String: String] = [:]
    ) {
        self.migrationID = migrationID
        self.candidateID = candidateID
        self.inputs = inputs
    }
}

/// The request of `Loom.ListCandidates`.
///
/// The Swift form of `loom.v1.ListCandidatesRequest`.
public struct ListCandidatesRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// Maximum candidates to return; 0 = server default (100), at most 1000.
    public var pageSize: UInt32
    /// Opaque token from a previous response (with the same filters); empty for
    /// the first page.
    public var pageToken: String
    /// Filters; all given ones must match. UNSPECIFIED = any status.
    public var status: CandidateStatus
    /// Exact kind; empty = any.
    public var kind: String
    /// Candidate ids starting with this text; empty = any.
    public var idPrefix: String
    /// Every entry must equal the candidate's metadata value for that key.
    public var metadata: [String: String]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        pageSize: UInt32 = 0,
        pageToken: String = "",
        status: CandidateStatus = .unspecified,
        kind: String = "",
        idPrefix: String = "",
        metadata: [String: String] = [:]
    ) {
        self.migrationID = migrationID
        self.pageSize = pageSize
        self.pageToken = pageToken
        self.status = status
        self.kind = kind
        self.idPrefix = idPrefix
        self.metadata = metadata
    }
}

/// The response of `Loom.ListCandidates`.
///
/// The Swift form of `loom.v1.ListCandidatesResponse`.
public struct ListCandidatesResponse: Sendable, Hashable {
    /// Ordered by id. A page may hold fewer than page_size candidates (even none)
    /// when filters on kind or metadata skip many: go on while next_page_token is
    /// non-empty.
    public var candidates: [Candidate]
    /// Empty when there are no more pages.
    public var nextPageToken: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        candidates: [Candidate] = [],
        nextPageToken: String = ""
    ) {
        self.candidates = candidates
        self.nextPageToken = nextPageToken
    }
}

/// The request of `Loom.RecountMigration`.
///
/// The Swift form of `loom.v1.RecountMigrationRequest`.
public struct RecountMigrationRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// Also overwrite the stored counts and indexes with the recount.
    public var repair: Bool

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        repair: Bool = false
    ) {
        self.migrationID = migrationID
        self.repair = repair
    }
}

/// The response of `Loom.RecountMigration`.
///
/// The Swift form of `loom.v1.RecountMigrationResponse`.
public struct RecountMigrationResponse: Sendable, Hashable {
    /// The counts the store maintained, read in the same atomic step as the recount.
    public var stored: MigrationCounts?
    /// The counts recomputed from the candidate and run records.
    public var recounted: MigrationCounts?
    /// One line per count that differs, e.g. "runs_running: stored 3, recounted 2";
    /// empty when there is no drift.
    public var drift: [String]
    /// Whether the stored counts and indexes were rewritten (repair was asked).
    public var repaired: Bool

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        stored: MigrationCounts? = nil,
        recounted: MigrationCounts? = nil,
        drift: [String] = [],
        repaired: Bool = false
    ) {
        self.stored = stored
        self.recounted = recounted
        self.drift = drift
        self.repaired = repaired
    }
}
