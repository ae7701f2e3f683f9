import LoomCore
import LoomRedis
import LoomStores

extension StoreFactory {
    /// An ``InMemoryStore``.
    public static let inMemory = StoreFactory(name: "in-memory") { options in
        InMemoryStore(timerPartitionCount: options.timerPartitionCount, historyCap: options.historyCap)
    }

    /// A `RedisStore` on its own private redis-server, stopped when the store is released.
    public static let redis = StoreFactory(name: "redis") { options in
        let server = try await RedisServerFixture.start()
        let pool = RedisConnectionPool(
            configuration: try RedisConfiguration(url: server.url),
            options: .init(size: 2, checkServerSettingsOnConnect: false))
        let store = RedisStore(client: pool, partitionCount: options.timerPartitionCount, historyCap: options.historyCap)
        return RedisTestStore(server: server, store: store)
    }
}

/// A ``RedisStore`` that owns its redis-server: the server stops when the store is released.
public final class RedisTestStore: LoomStore {
    /// The private server.
    public let server: RedisServerFixture
    /// The wrapped store.
    public let store: RedisStore

    /// Wraps `store`, owning `server`.
    public init(server: RedisServerFixture, store: RedisStore) {
        self.server = server
        self.store = store
    }

    deinit { server.stop() }

    /// Forwards to the wrapped store.
    public var timerPartitionCount: Int { store.timerPartitionCount }

    /// Forwards to the wrapped store.
    public func announce(_ migration: Migration, newCandidates: [Candidate], owner: String?, at now: Timestamp) async throws -> AnnounceOutcome {
        try await store.announce(migration, newCandidates: newCandidates, owner: owner, at: now)
    }

    /// Forwards to the wrapped store.
    public func migrationSummary(id: String) async throws -> Migration { try await store.migrationSummary(id: id) }

    /// Forwards to the wrapped store.
    public func migrationDefinition(id: String) async throws -> Migration { try await store.migrationDefinition(id: id) }

    /// Forwards to the wrapped store.
    public func listMigrations(after afterId: String?, limit: Int) async throws -> [Migration] {
        try await store.listMigrations(after: afterId, limit: limit)
    }

    /// Forwards to the wrapped store.
    public func submitCandidates(migrationId: String, candidates: [Candidate]) async throws -> SubmitCandidatesOutcome {
        try await store.submitCandidates(migrationId: migrationId, candidates: candidates)
    }

    /// Forwards to the wrapped store.
    public func candidatePage(
        migrationId: String, filter: CandidateFilter, after afterId: String?, limit: Int, scanLimit: Int
    ) async throws -> CandidateScan {
        try await store.candidatePage(migrationId: migrationId, filter: filter, after: afterId, limit: limit, scanLimit: scanLimit)
    }

    /// Forwards to the wrapped store.
    public func setCandidateInputs(migrationId: String, candidateId: String, inputs: [String: String]) async throws -> Candidate {
        try await store.setCandidateInputs(migrationId: migrationId, candidateId: candidateId, inputs: inputs)
    }

    /// Forwards to the wrapped store.
    public func runWithHistory(id: RunID, afterVersion: UInt64) async throws -> (run: Run, entries: [HistoryEntry]) {
        try await store.runWithHistory(id: id, afterVersion: afterVersion)
    }

    /// Forwards to the wrapped store.
    public func runsUpdated(migrationId: String, since: Timestamp, limit: Int) async throws -> [Run] {
        try await store.runsUpdated(migrationId: migrationId, since: since, limit: limit)
    }

    /// Forwards to the wrapped store.
    public func recountMigration(id: String, repair: Bool) async throws -> CountCheck {
        try await store.recountMigration(id: id, repair: repair)
    }

    /// Forwards to the wrapped store.
    public func openRunListing(_ selection: RunSelection, name: String, limit: Int, ttl: Duration) async throws -> RunListingOpening {
        try await store.openRunListing(selection, name: name, limit: limit, ttl: ttl)
    }

    /// Forwards to the wrapped store.
    public func runListingPage(_ selection: RunSelection, listing: String, after: String?, limit: Int, ttl: Duration) async throws -> RunListingPage? {
        try await store.runListingPage(selection, listing: listing, after: after, limit: limit, ttl: ttl)
    }

    /// Forwards to the wrapped store.
    public func candidate(migrationId: String, candidateId: String) async throws -> Candidate {
        try await store.candidate(migrationId: migrationId, candidateId: candidateId)
    }

    /// Forwards to the wrapped store.
    public func run(id: RunID) async throws -> Run { try await store.run(id: id) }

    /// Forwards to the wrapped store.
    public func apply(_ write: RunWrite) async throws -> RunWriteOutcome { try await store.apply(write) }

    /// Forwards to the wrapped store.
    public func history(of runID: RunID, limit: Int) async throws -> [HistoryEntry] { try await store.history(of: runID, limit: limit) }

    /// Forwards to the wrapped store.
    public func claimDueTimers(partition: Int, now: Timestamp, lease: Duration, limit: Int, holder: LeaseHolder?) async throws -> [DueTimer] {
        try await store.claimDueTimers(partition: partition, now: now, lease: lease, limit: limit, holder: holder)
    }

    /// Forwards to the wrapped store.
    public func takeOverLeases(partition: Int, of replica: String, for holder: LeaseHolder, now: Timestamp, lease: Duration) async throws -> [DueTimer] {
        try await store.takeOverLeases(partition: partition, of: replica, for: holder, now: now, lease: lease)
    }

    /// Forwards to the wrapped store.
    public func replicaRegistration(_ replica: String, now: Timestamp) async throws -> ReplicaRegistration? {
        try await store.replicaRegistration(replica, now: now)
    }

    /// Forwards to the wrapped store.
    public func registerReplica(_ holder: LeaseHolder, replacing expected: ReplicaRegistration?, now: Timestamp, ttl: Duration) async throws -> Bool {
        try await store.registerReplica(holder, replacing: expected, now: now, ttl: ttl)
    }

    /// Forwards to the wrapped store.
    public func renewReplica(_ holder: LeaseHolder, now: Timestamp, ttl: Duration) async throws -> Bool {
        try await store.renewReplica(holder, now: now, ttl: ttl)
    }

    /// Forwards to the wrapped store.
    public func unregisterReplica(_ holder: LeaseHolder) async throws { try await store.unregisterReplica(holder) }

    /// Forwards to the wrapped store.
    public func restoreTimer(of runID: RunID, version: UInt64) async throws { try await store.restoreTimer(of: runID, version: version) }

    // MARK: CampaignStore

    /// Forwards to the wrapped store.
    public func apply(_ write: CampaignWrite) async throws -> CampaignWriteOutcome { try await store.apply(write) }

    /// Forwards to the wrapped store.
    public func campaign(id: String) async throws -> Campaign { try await store.campaign(id: id) }

    /// Forwards to the wrapped store.
    public func campaigns(migrationId: String?, after: String?, limit: Int) async throws -> [Campaign] {
        try await store.campaigns(migrationId: migrationId, after: after, limit: limit)
    }

    /// Forwards to the wrapped store.
    public func campaignMembers(id: String, status: CampaignMemberStatus?, from: Int, limit: Int) async throws -> (members: [CampaignMember], next: Int?) {
        try await store.campaignMembers(id: id, status: status, from: from, limit: limit)
    }

    /// Forwards to the wrapped store.
    public func pendingCampaignMembers(id: String, limit: Int) async throws -> [CampaignMember] {
        try await store.pendingCampaignMembers(id: id, limit: limit)
    }

    /// Forwards to the wrapped store.
    public func skipCampaignMember(id: String, candidateId: String, note: String) async throws -> Bool {
        try await store.skipCampaignMember(id: id, candidateId: candidateId, note: note)
    }

    /// Forwards to the wrapped store.
    public func requeueFailedCampaignMembers(id: String) async throws -> Int {
        try await store.requeueFailedCampaignMembers(id: id)
    }

    /// Forwards to the wrapped store.
    public func cancelPendingCampaignMembers(id: String) async throws -> Int {
        try await store.cancelPendingCampaignMembers(id: id)
    }

    /// Forwards to the wrapped store.
    public func campaignStartWindow(id: String, now: Timestamp) async throws -> CampaignStartWindow {
        try await store.campaignStartWindow(id: id, now: now)
    }

    /// Forwards to the wrapped store.
    public func start(_ start: CampaignStart) async throws -> CampaignStartOutcome { try await store.start(start) }

    /// Forwards to the wrapped store.
    public func claimDueCampaigns(partition: Int, now: Timestamp, lease: Duration, limit: Int) async throws -> [(id: String, leasedUntil: Timestamp)] {
        try await store.claimDueCampaigns(partition: partition, now: now, lease: lease, limit: limit)
    }

    /// Forwards to the wrapped store.
    public func settleCampaignTimer(id: String, leasedUntil: Timestamp, due: Timestamp?) async throws {
        try await store.settleCampaignTimer(id: id, leasedUntil: leasedUntil, due: due)
    }

    /// Forwards to the wrapped store.
    public func campaignHistory(id: String, limit: Int) async throws -> [CampaignEvent] {
        try await store.campaignHistory(id: id, limit: limit)
    }
}
