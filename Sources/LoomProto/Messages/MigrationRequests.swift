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
    /// The stored migration after the announce.
    public var migration: Migration?

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migration: Migration? = nil
    ) {
        self.migration = migration
    }
}

/// The request of `Loom.ListMigrations`.
///
/// The Swift form of `loom.v1.ListMigrationsRequest`.
public struct ListMigrationsRequest: Sendable, Hashable {
    /// Maximum migrations to return; 0 = server default (100), capped at 1000.
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
    /// Ordered by id. Candidates are omitted here (use GetMigration/ListCandidates).
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

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        accepted: UInt32 = 0,
        skippedIDs: [String] = []
    ) {
        self.accepted = accepted
        self.skippedIDs = skippedIDs
    }
}

/// The request of `Loom.ListCandidates`.
///
/// The Swift form of `loom.v1.ListCandidatesRequest`.
public struct ListCandidatesRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = ""
    ) {
        self.migrationID = migrationID
    }
}

/// The response of `Loom.ListCandidates`.
///
/// The Swift form of `loom.v1.ListCandidatesResponse`.
public struct ListCandidatesResponse: Sendable, Hashable {
    /// Ordered by id.
    public var candidates: [Candidate]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        candidates: [Candidate] = []
    ) {
        self.candidates = candidates
    }
}
