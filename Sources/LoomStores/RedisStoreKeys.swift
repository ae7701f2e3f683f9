import LoomCore

/// The Redis key schema of ``RedisStore`` (see `REDIS-KEYS.md` next to this file).
///
/// Every key of a migration, its candidates, its runs, their histories and the timer index
/// of its partition carries the partition's hash tag `{p<N>}` (N from
/// ``StorePartitioning/partition(ofMigration:count:)``), so one Lua script can write all of
/// them atomically, also on Redis Cluster. Only the global migration index has no tag.
public struct RedisStoreKeys: Sendable, Hashable {
    /// The prefix of every key, `loom` by default.
    public let prefix: String
    /// The number of timer partitions (hash tags).
    public let partitionCount: Int

    /// Creates the schema.
    public init(prefix: String = "loom", partitionCount: Int = StorePartitioning.defaultCount) {
        self.prefix = prefix
        self.partitionCount = partitionCount
    }

    /// `{p<N>}` for the migration's partition.
    public func tag(migrationId: String) -> String {
        "{p\(StorePartitioning.partition(ofMigration: migrationId, count: partitionCount))}"
    }

    /// Sorted set of every migration id (score 0, ordered lexicographically): `loom:migrations`.
    public var migrationIndex: String { "\(prefix):migrations" }

    /// Hash holding the migration definition: `loom:{p3}:migration:<id>`.
    public func migration(_ id: String) -> String { "\(prefix):\(tag(migrationId: id)):migration:\(id)" }

    /// Hash candidate id → candidate JSON: `loom:{p3}:migration:<id>:candidates`.
    public func candidates(_ migrationId: String) -> String { migration(migrationId) + ":candidates" }

    /// Hash candidate id → status (`not_started`, `running`, `completed`): `loom:{p3}:migration:<id>:status`.
    public func candidateStatuses(_ migrationId: String) -> String { migration(migrationId) + ":status" }

    /// Hash candidate id → JSON object of the inputs an operator set (kept apart from the
    /// candidate record, so submissions never overwrite them): `…:inputs`.
    public func candidateInputs(_ migrationId: String) -> String { migration(migrationId) + ":inputs" }

    /// Hash field → count of the migration's candidates and runs per status and active runs per
    /// step: `loom:{p3}:migration:<id>:counts`.
    public func counts(_ migrationId: String) -> String { migration(migrationId) + ":counts" }

    /// Sorted set (score 0) of every candidate id, for paging in id order: `…:cindex`.
    public func candidateIndex(_ migrationId: String) -> String { migration(migrationId) + ":cindex" }

    /// Sorted set (score 0) of `<status>:<candidate id>`, for paging one status in id order:
    /// `…:cstatus`.
    public func candidateStatusIndex(_ migrationId: String) -> String { migration(migrationId) + ":cstatus" }

    /// Sorted set run id → last update (unix ms) of the migration's runs: `…:runs`.
    public func runIndex(_ migrationId: String) -> String { migration(migrationId) + ":runs" }

    /// Sorted set run id → status band × 10¹³ + last update (unix ms): `…:runs:bystatus`.
    public func runStatusIndex(_ migrationId: String) -> String { migration(migrationId) + ":runs:bystatus" }

    /// Counter bumped each time one of the migration's runs changes position in the run
    /// indexes; a run's `sq` field holds the value of its last move: `…:runs:seq`.
    public func runSequence(_ migrationId: String) -> String { migration(migrationId) + ":runs:seq" }

    /// Present (with a time to live) while a run listing of the migration may still be read;
    /// while it is, each move leaves a ghost of the run's old positions: `…:runs:listed`.
    public func runListingFlag(_ migrationId: String) -> String { migration(migrationId) + ":runs:listed" }

    /// Hash run id → the sequence value of the run's last move (``runSequence(_:)``), so a
    /// listing page checks a page of runs in one `HMGET`: `…:runs:moves`.
    public func runMoves(_ migrationId: String) -> String { migration(migrationId) + ":runs:moves" }

    /// The prefix of the ghost buckets: sorted sets of the positions runs left while listings
    /// were open, one per 1024 moves (`…:runs:ghosts:<sequence / 1024>`; score as in the index
    /// the ghost belongs to, member `<run id>|<sequence before>|<sequence after>|u` for the
    /// update index, `…|s` for the status index); each expires a while after its last ghost.
    public func runGhostBucketPrefix(_ migrationId: String) -> String { migration(migrationId) + ":runs:ghosts:" }

    /// The sorted set a run listing across every migration pages (untagged: it holds runs of
    /// every partition): `loom:listing:<name>`.
    public func listing(_ name: String) -> String { "\(prefix):listing:\(name)" }

    /// The prefix of the migration's run keys, `loom:{p3}:run:<migration>__` (scripts that
    /// walk every run of a migration append the escaped candidate id).
    public func runKeyPrefix(_ migrationId: String) -> String { "\(prefix):\(tag(migrationId: migrationId)):run:\(migrationId)__" }

    /// Hash holding a run record, its version and its indexed position:
    /// `loom:{p3}:run:<migration>__<escaped candidate>` (``CandidateID/escapedForKey(_:)``).
    public func run(_ id: RunID) -> String { runKeyPrefix(id.migrationId) + CandidateID.escapedForKey(id.candidateId) }

    /// Capped stream of a run's transitions: `loom:{p3}:run:<run id>:history`.
    public func history(_ id: RunID) -> String { run(id) + ":history" }

    /// Sorted set run id → due time (ms) of partition `partition`: `loom:{p3}:timers`.
    public func timers(partition: Int) -> String { "\(prefix):{p\(partition)}:timers" }

    /// The timer set of the run's partition.
    public func timers(of id: RunID) -> String {
        timers(partition: StorePartitioning.partition(ofMigration: id.migrationId, count: partitionCount))
    }

    /// Hash run id → `<replica>/<incarnation>` holding each timer of partition `partition` that
    /// is a lease (a claim or a dispatch in flight): `loom:{p3}:leases`.
    public func leases(partition: Int) -> String { "\(prefix):{p\(partition)}:leases" }

    /// The lease-holder hash of the run's partition.
    public func leases(of id: RunID) -> String {
        leases(partition: StorePartitioning.partition(ofMigration: id.migrationId, count: partitionCount))
    }

    /// Hash campaign id → its migration id, so a campaign is found by its id alone; written before
    /// the campaign (untagged): `loom:campaign-homes`.
    public var campaignHomes: String { "\(prefix):campaign-homes" }

    /// Sorted set (score 0) of every campaign id, for listing in id order: `loom:campaigns`.
    public var campaignIndex: String { "\(prefix):campaigns" }

    /// Sorted set (score 0) of the migration's campaign ids: `…:migration:<id>:campaigns`.
    public func migrationCampaigns(_ migrationId: String) -> String { migration(migrationId) + ":campaigns" }

    /// The keys of one campaign, all with its migration's hash tag.
    public struct Campaign: Sendable, Hashable {
        /// Hash of the record's fields (`state`, `cap`, `rate`, … and `version`): `loom:{p3}:campaign:<id>`.
        public let record: String
        /// Hash candidate id → member status: `…:mstatus`.
        public var memberStatuses: String { record + ":mstatus" }
        /// Hash candidate id → the run generation the campaign started (0 before): `…:mgen`.
        public var memberGenerations: String { record + ":mgen" }
        /// Hash candidate id → JSON object of the member's own inputs (absent when none): `…:minputs`.
        public var memberInputs: String { record + ":minputs" }
        /// Hash candidate id → why the member was skipped: `…:mnote`.
        public var memberNotes: String { record + ":mnote" }
        /// Hash candidate id → when its run started (unix ms): `…:mstart`.
        public var memberStarts: String { record + ":mstart" }
        /// Sorted set candidate id → position in start order: `…:order`.
        public var order: String { record + ":order" }
        /// Sorted set candidate id → position, of the members still pending: `…:pending`.
        public var pending: String { record + ":pending" }
        /// Sorted set `<candidate>#<generation>` → start time (unix ms), trimmed to the rate window: `…:starts`.
        public var starts: String { record + ":starts" }
        /// Hash member status → count: `…:counts`.
        public var counts: String { record + ":counts" }
        /// Capped stream of the campaign's events: `…:history`.
        public var history: String { record + ":history" }
    }

    /// The keys of campaign `id` of migration `migrationId`.
    public func campaign(_ id: String, migrationId: String) -> Campaign {
        Campaign(record: "\(prefix):\(tag(migrationId: migrationId)):campaign:\(id)")
    }

    /// Sorted set campaign id → due time (ms) of partition `partition`: `loom:{p3}:campaign-timers`.
    public func campaignTimers(partition: Int) -> String { "\(prefix):{p\(partition)}:campaign-timers" }

    /// The campaign timer set of the migration's partition.
    public func campaignTimers(migrationId: String) -> String {
        campaignTimers(partition: StorePartitioning.partition(ofMigration: migrationId, count: partitionCount))
    }

    /// String `<incarnation>:<beats>` of a replica's live incarnation, expiring unless renewed:
    /// `loom:replica:<id>` (untagged; a replica id is `[A-Za-z0-9._-]`).
    public func replica(_ id: String) -> String { "\(prefix):replica:\(id)" }
}
