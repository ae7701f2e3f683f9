// Requests and streamed messages of the server-streaming methods of `service Loom`.
//
// Mirrors Protos/loom/v1/loom.proto; field docs are the proto's comments.
//
// Kept in step with Protos/loom/v1/loom.proto by hand; ContractTests fail when a message,
// field or enum value of the proto is missing here or out of order.

/// The request of `Loom.WatchRun`.
///
/// The Swift form of `loom.v1.WatchRunRequest`.
public struct WatchRunRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String
    /// The candidate's id within the migration.
    public var candidateID: String
    /// Resume after a reconnect: the first message carries the history entries
    /// with run_version greater than this (0 = none: the first message is the
    /// current state only).
    public var fromVersion: UInt64

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = "",
        candidateID: String = "",
        fromVersion: UInt64 = 0
    ) {
        self.migrationID = migrationID
        self.candidateID = candidateID
        self.fromVersion = fromVersion
    }
}

/// One message of a WatchRun stream: the run, and every history entry written
/// since the previous message, read together at the run's version. Across the
/// stream each entry is sent exactly once, in order (unless more than the
/// history cap, 1000 entries, were written between two reads).
///
/// The Swift form of `loom.v1.RunUpdate`.
public struct RunUpdate: Sendable, Hashable {
    /// The run as of this message.
    public var run: Run?
    /// The newest of `entries` (kept for older clients); absent when `entries` is empty.
    public var entry: HistoryEntry?
    /// The transitions since the previous message, oldest first; in the first
    /// message, those after the request's from_version.
    public var entries: [HistoryEntry]

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        run: Run? = nil,
        entry: HistoryEntry? = nil,
        entries: [HistoryEntry] = []
    ) {
        self.run = run
        self.entry = entry
        self.entries = entries
    }
}

/// The request of `Loom.WatchMigration`.
///
/// The Swift form of `loom.v1.WatchMigrationRequest`.
public struct WatchMigrationRequest: Sendable, Hashable {
    /// The migration's id.
    public var migrationID: String

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        migrationID: String = ""
    ) {
        self.migrationID = migrationID
    }
}

/// One message of a WatchMigration stream: the counts, and the runs that changed
/// since the previous message (none in the first).
///
/// The Swift form of `loom.v1.MigrationUpdate`.
public struct MigrationUpdate: Sendable, Hashable {
    /// The migration's counts as of this message.
    public var counts: MigrationCounts?
    /// Each changed run as it is now, most recently updated first (at most 1000;
    /// `truncated` says more changed).
    public var runs: [Run]
    /// Whether more runs changed than `runs` holds.
    public var truncated: Bool

    /// Creates a message; every field defaults to its proto3 default (empty, zero, unset).
    public init(
        counts: MigrationCounts? = nil,
        runs: [Run] = [],
        truncated: Bool = false
    ) {
        self.counts = counts
        self.runs = runs
        self.truncated = truncated
    }
}
