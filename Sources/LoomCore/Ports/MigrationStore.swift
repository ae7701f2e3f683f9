/// What an announce wrote: whether the migration was created or updated.
public struct AnnounceOutcome: Hashable, Sendable {
    /// The stored migration after the announce, with its counts and without candidates.
    public var migration: Migration
    /// `true` when the migration did not exist before.
    public var created: Bool

    /// Creates an outcome.
    public init(migration: Migration, created: Bool) {
        self.migration = migration
        self.created = created
    }
}

/// A candidate of a batch that was not stored, and why (the rest of the batch was).
public struct RejectedCandidate: Hashable, Sendable {
    /// The id as sent (cut to ``CandidateID/maxLength`` characters).
    public var id: String
    /// Why it was refused.
    public var reason: String

    /// Creates a rejection.
    public init(id: String, reason: String) {
        self.id = id
        self.reason = reason
    }
}

/// What a candidate submission wrote.
public struct SubmitCandidatesOutcome: Hashable, Sendable {
    /// How many candidates were written (created or refreshed).
    public var accepted: Int
    /// Ids left unchanged because a run is active or completed for them, ordered by id.
    public var skippedIds: [String]
    /// Candidates refused for bad input (filled by the service; stores never refuse one).
    public var rejected: [RejectedCandidate]

    /// Creates an outcome.
    public init(accepted: Int, skippedIds: [String], rejected: [RejectedCandidate] = []) {
        self.accepted = accepted
        self.skippedIds = skippedIds
        self.rejected = rejected
    }
}

/// Storage of migrations and their candidates.
///
/// Every method is atomic with respect to every other store operation, including
/// ``RunStore/apply(_:)`` (which can change a candidate's status): no read-modify-write
/// across round trips. Missing records are reported as ``LoomError`` `notFound`, never as an
/// empty success. Lists are ordered by id.
///
/// ### Key layout hint for Redis adapters
/// All records of one migration (definition, candidates, candidate statuses, its runs, their
/// histories and the timer index of the partition) should share the hash tag of the
/// migration's partition (``StorePartitioning/partition(ofMigration:count:)``) so one Lua script
/// can write a run, its candidate status, its timer and its history together, even on Redis
/// Cluster. Only the global migration index lives elsewhere (it is only ever added to).
public protocol MigrationStore: Sendable {
    /// Creates or updates a migration in one atomic step.
    ///
    /// - New migration: stores the definition with `createdAt = updatedAt = now`, the `owner`,
    ///   and the given candidates with status `not_started`, counted.
    /// - Existing migration: replaces `name`, `description`, `migratorUrl`, `requiredInputs`
    ///   and `steps`; sets `updatedAt = now`; keeps `createdAt`, `owner` and every stored
    ///   candidate with its status. Of `newCandidates`, only ids not yet stored are added (as
    ///   `not_started`); existing candidates are never changed by an announce.
    ///
    /// - Parameters:
    ///   - migration: The validated definition (its `candidates`, timestamps and `owner` are ignored).
    ///   - newCandidates: Validated candidates to create if absent (statuses ignored).
    ///   - owner: The announcing identity, or `nil` for an anonymous caller. When the stored
    ///     migration has a non-empty owner and `owner` is not that identity (another identity,
    ///     or `nil`: an anonymous caller never changes an owned migration), the store throws
    ///     ``LoomError/ownedByAnother(_:)`` and changes nothing.
    ///   - now: The announce time.
    func announce(
        _ migration: Migration,
        newCandidates: [Candidate],
        owner: String?,
        at now: Timestamp
    ) async throws -> AnnounceOutcome

    /// The migration's definition with its ``Migration/counts`` (no candidates), read in one
    /// consistent step.
    /// - Throws: ``LoomError/Code/notFound`` when it does not exist.
    func migrationSummary(id: String) async throws -> Migration

    /// The migration **without** candidates (cheap: for start, dry run and other per-run use).
    /// - Throws: ``LoomError/Code/notFound`` when it does not exist.
    func migrationDefinition(id: String) async throws -> Migration

    /// Up to `limit` migrations with ids greater than `afterId` (or from the first when
    /// `nil`), ordered by id, with their counts and **without** candidates.
    func listMigrations(after afterId: String?, limit: Int) async throws -> [Migration]

    /// Merges discovered candidates into a migration in one atomic step.
    ///
    /// For each incoming candidate (the last one wins among duplicate ids): if the stored
    /// candidate with that id is `running` or `completed` it is left untouched and its id is
    /// reported as skipped; otherwise the incoming one is written whole with status
    /// `not_started`, keeping the stored candidate's inputs (incoming inputs are ignored).
    /// Stored candidates absent from the list are kept.
    /// - Throws: ``LoomError/Code/notFound`` when the migration does not exist.
    func submitCandidates(migrationId: String, candidates: [Candidate]) async throws -> SubmitCandidatesOutcome

    /// One bounded pass over the migration's candidates in id order, after `afterId`
    /// (exclusive; from the first when `nil`): at most `limit` matches, examining at most
    /// `scanLimit` index entries (status and id prefix are answered by indexes and do not
    /// count against the scan; kind and metadata are checked on the records).
    ///
    /// Ids are stable keys, so successive passes neither skip nor repeat a candidate that
    /// exists throughout, whatever else changes meanwhile.
    /// - Throws: ``LoomError/Code/notFound`` when the migration does not exist.
    func candidatePage(
        migrationId: String, filter: CandidateFilter, after afterId: String?, limit: Int, scanLimit: Int
    ) async throws -> CandidateScan

    /// Recomputes the migration's counts from its candidate and run records in one atomic
    /// step, next to the stored counts; with `repair`, also rewrites the stored counts and
    /// the listing indexes from the records (the upgrade path for data written before counts
    /// existed). Cost grows with the candidates and runs of the migration.
    /// - Throws: ``LoomError/Code/notFound`` when the migration does not exist.
    func recountMigration(id: String, repair: Bool) async throws -> CountCheck

    /// Replaces the inputs of a candidate that is `not_started`, atomically with the status
    /// check. Inputs are kept apart from the candidate's discovered data: announces and
    /// submissions never change them.
    /// - Returns: The candidate with its new inputs.
    /// - Throws: ``LoomError/Code/notFound`` (migration or candidate), `alreadyRunning` or
    ///   `alreadyCompleted` when the candidate is not `not_started`.
    func setCandidateInputs(migrationId: String, candidateId: String, inputs: [String: String]) async throws -> Candidate

    /// One candidate, with its inputs.
    /// - Throws: ``LoomError/Code/notFound`` when the migration or the candidate does not exist.
    func candidate(migrationId: String, candidateId: String) async throws -> Candidate
}

/// Maps migrations (and so their runs) to timer partitions.
///
/// All adapters must use this function so that a migration's records and its timer index can
/// be co-located (one Redis Cluster hash slot per partition).
public enum StorePartitioning {
    /// The default number of partitions.
    public static let defaultCount = 16

    /// The partition of `migrationId`: a stable FNV-1a hash of its UTF-8 bytes modulo `count`.
    public static func partition(ofMigration migrationId: String, count: Int) -> Int {
        precondition(count > 0, "partition count must be positive")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in migrationId.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }
}
