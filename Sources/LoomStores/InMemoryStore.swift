import LoomCore

/// The in-memory adapter of both store ports: the embedded default and the store of unit tests.
///
/// An actor, so every operation is atomic with respect to every other — exactly the guarantee
/// the ports demand (the Redis adapter gets it from Lua scripts). Nothing survives the process.
public actor InMemoryStore: MigrationStore, RunStore {
    /// The number of timer partitions.
    public nonisolated let timerPartitionCount: Int
    /// How many history entries are kept per run (oldest dropped first).
    public nonisolated let historyCap: Int

    private var migrations: [String: Migration] = [:]
    private var candidatesByMigration: [String: [String: Candidate]] = [:]
    private var runs: [RunID: Run] = [:]
    private var histories: [RunID: [HistoryEntry]] = [:]
    private var historySequence: UInt64 = 0
    private var timers: [[RunID: Timestamp]]
    /// The holder of each timer that is a lease (a claim, or a dispatch in flight).
    private var leaseHolders: [RunID: LeaseHolder] = [:]
    /// The live incarnation of each replica, and when its registration lapses.
    private var replicas: [String: (registration: ReplicaRegistration, expires: Timestamp)] = [:]
    /// Maintained with every write, like the Redis adapter's counts hash.
    private var counts: [String: MigrationCounts] = [:]
    private var listings: [String: (runs: [RunID], migrationId: String?, expires: ContinuousClock.Instant)] = [:]
    /// Campaigns, kept in step with the runs they start (``InMemoryStore+Campaigns``).
    var campaignBook = InMemoryCampaignBook()

    /// Creates an empty store.
    /// - Parameters:
    ///   - timerPartitionCount: Number of timer partitions (≥ 1).
    ///   - historyCap: Entries kept per run history (≥ 1).
    public init(timerPartitionCount: Int = StorePartitioning.defaultCount, historyCap: Int = 1000) {
        precondition(timerPartitionCount > 0, "timerPartitionCount must be positive")
        precondition(historyCap > 0, "historyCap must be positive")
        self.timerPartitionCount = timerPartitionCount
        self.historyCap = historyCap
        self.timers = Array(repeating: [:], count: timerPartitionCount)
    }

    // MARK: MigrationStore

    /// See ``MigrationStore/announce(_:newCandidates:owner:at:)``.
    public func announce(
        _ migration: Migration, newCandidates: [Candidate], owner: String?, at now: Timestamp
    ) throws -> AnnounceOutcome {
        var stored = migration
        stored.candidates = []
        let created: Bool
        if let existing = migrations[migration.id] {
            if !existing.owner.isEmpty, owner != existing.owner {
                throw LoomError.ownedByAnother(migration.id)
            }
            stored.createdAt = existing.createdAt
            stored.owner = existing.owner
            created = false
        } else {
            stored.createdAt = now
            stored.owner = owner ?? ""
            created = true
        }
        stored.updatedAt = now
        migrations[migration.id] = stored
        var candidates = candidatesByMigration[migration.id] ?? [:]
        var migrationCounts = counts[migration.id] ?? MigrationCounts()
        for candidate in newCandidates where candidates[candidate.id] == nil {
            var fresh = candidate
            fresh.status = .notStarted
            fresh.inputs = [:]
            candidates[candidate.id] = fresh
            migrationCounts.candidates[.notStarted, default: 0] += 1
        }
        candidatesByMigration[migration.id] = candidates
        counts[migration.id] = migrationCounts
        stored.counts = migrationCounts
        return AnnounceOutcome(migration: stored, created: created)
    }

    /// See ``MigrationStore/migrationSummary(id:)``.
    public func migrationSummary(id: String) throws -> Migration {
        var migration = try definition(id)
        migration.counts = counts[id] ?? MigrationCounts()
        return migration
    }

    /// See ``MigrationStore/migrationDefinition(id:)``.
    public func migrationDefinition(id: String) throws -> Migration {
        try definition(id)
    }

    /// See ``MigrationStore/listMigrations(after:limit:)``.
    public func listMigrations(after afterId: String?, limit: Int) -> [Migration] {
        let ids = migrations.keys.filter { afterId == nil || $0 > afterId! }.sorted().prefix(max(0, limit))
        return ids.compactMap { id in
            migrations[id].map { migration in
                var migration = migration
                migration.counts = counts[id] ?? MigrationCounts()
                return migration
            }
        }
    }

    /// See ``MigrationStore/submitCandidates(migrationId:candidates:)``.
    public func submitCandidates(migrationId: String, candidates incoming: [Candidate]) throws -> SubmitCandidatesOutcome {
        _ = try definition(migrationId)
        var candidates = candidatesByMigration[migrationId] ?? [:]
        var latest: [String: Candidate] = [:]
        for candidate in incoming { latest[candidate.id] = candidate }
        var accepted = 0
        var skipped: [String] = []
        for (id, candidate) in latest {
            if let existing = candidates[id], existing.status != .notStarted {
                skipped.append(id)
                continue
            }
            if candidates[id] == nil { counts[migrationId, default: MigrationCounts()].candidates[.notStarted, default: 0] += 1 }
            var fresh = candidate
            fresh.status = .notStarted
            fresh.inputs = candidates[id]?.inputs ?? [:]
            candidates[id] = fresh
            accepted += 1
        }
        candidatesByMigration[migrationId] = candidates
        return SubmitCandidatesOutcome(accepted: accepted, skippedIds: skipped.sorted())
    }

    /// See ``MigrationStore/candidatePage(migrationId:filter:after:limit:scanLimit:)``.
    public func candidatePage(
        migrationId: String, filter: CandidateFilter, after afterId: String?, limit: Int, scanLimit: Int
    ) throws -> CandidateScan {
        _ = try definition(migrationId)
        let indexed = sorted(candidatesByMigration[migrationId] ?? [:]).filter { candidate in
            (afterId == nil || candidate.id > afterId!) && (filter.status == nil || candidate.status == filter.status)
                && (filter.idPrefix.isEmpty || candidate.id.hasPrefix(filter.idPrefix))
        }
        var page: [Candidate] = []
        var examined = 0
        for candidate in indexed {
            if page.count == limit || (filter.needsRecords && examined == scanLimit) {
                return CandidateScan(candidates: page, resumeAfter: page.count == limit ? page.last!.id : indexed[examined - 1].id)
            }
            examined += 1
            if filter.matches(candidate) { page.append(candidate) }
        }
        return CandidateScan(candidates: page, resumeAfter: nil)
    }

    /// See ``MigrationStore/recountMigration(id:repair:)``.
    public func recountMigration(id: String, repair: Bool) throws -> CountCheck {
        let migration = try definition(id)
        let recounted = MigrationCounts.recount(
            candidates: (candidatesByMigration[id] ?? [:]).values.map(\.status),
            runs: runs.values.filter { $0.migrationId == id },
            stepOrder: migration.steps.map(\.name))
        var stored = counts[id] ?? MigrationCounts()
        stored.orderSteps(by: migration.steps.map(\.name))
        if repair { counts[id] = recounted }
        return CountCheck(stored: stored, recounted: recounted, repaired: repair)
    }

    /// See ``MigrationStore/setCandidateInputs(migrationId:candidateId:inputs:)``.
    public func setCandidateInputs(migrationId: String, candidateId: String, inputs: [String: String]) throws -> Candidate {
        var candidate = try candidate(migrationId: migrationId, candidateId: candidateId)
        switch candidate.status {
        case .notStarted: break
        case .running: throw LoomError(code: .alreadyRunning, message: "candidate \"\(candidateId)\" is running; its inputs cannot change")
        case .completed: throw LoomError(code: .alreadyCompleted, message: "candidate \"\(candidateId)\" completed; its inputs cannot change")
        }
        candidate.inputs = inputs
        candidatesByMigration[migrationId]?[candidateId] = candidate
        return candidate
    }

    /// See ``MigrationStore/candidate(migrationId:candidateId:)``.
    public func candidate(migrationId: String, candidateId: String) throws -> Candidate {
        _ = try definition(migrationId)
        guard let candidate = candidatesByMigration[migrationId]?[candidateId] else {
            throw LoomError.candidateNotFound(candidateId, migrationId: migrationId)
        }
        return candidate
    }

    private func definition(_ id: String) throws -> Migration {
        guard let migration = migrations[id] else { throw LoomError.migrationNotFound(id) }
        return migration
    }

    private func sorted(_ candidates: [String: Candidate]) -> [Candidate] {
        candidates.values.sorted { $0.id < $1.id }
    }

    // MARK: RunStore

    /// See ``RunStore/run(id:)``.
    public func run(id: RunID) throws -> Run {
        guard let run = runs[id] else { throw LoomError.runNotFound(id) }
        return run
    }

    /// See ``RunStore/apply(_:)``.
    public func apply(_ write: RunWrite) -> RunWriteOutcome {
        let id = write.run.id
        let current = runs[id]
        guard (current?.version ?? 0) == write.expectedVersion, (current == nil) == (write.expectedVersion == 0) else {
            return .conflict(current: current)
        }
        if let change = write.candidateStatus, let required = change.requiredCurrent {
            let status = candidatesByMigration[id.migrationId]?[id.candidateId]?.status
            guard let status, required.contains(status) else { return .candidateRejected(current: status) }
        }
        if let campaign = campaignBook.overCap(write.run) { return .campaignFull(campaignId: campaign) }
        if let change = write.candidateStatus {
            let candidate = candidatesByMigration[id.migrationId]?[id.candidateId]
            if let candidate {
                candidatesByMigration[id.migrationId]?[id.candidateId]?.status = change.newStatus
                counts[id.migrationId, default: MigrationCounts()].candidates[candidate.status, default: 0] -= 1
                counts[id.migrationId, default: MigrationCounts()].candidates[change.newStatus, default: 0] += 1
            }
        }
        var run = write.run
        run.version = write.expectedVersion + 1
        count(current, -1)
        count(run, +1)
        runs[id] = run
        let partition = StorePartitioning.partition(ofMigration: id.migrationId, count: timerPartitionCount)
        if !(write.keepsLease && run.timerDueAt != nil && timers[partition][id] != nil) {
            timers[partition][id] = run.timerDueAt
            leaseHolders[id] = run.timerDueAt == nil ? nil : write.leaseHolder
        }
        if !write.history.isEmpty {
            var history = histories[id] ?? []
            for var entry in write.history {
                historySequence += 1
                entry.id = "\(historySequence)"
                entry.runVersion = run.version
                history.append(entry)
            }
            if history.count > historyCap { history.removeFirst(history.count - historyCap) }
            histories[id] = history
        }
        campaignBook.runWritten(run)
        return .applied(run)
    }

    /// Adds `delta` to the counts `run` contributes to (its status, and its current step when
    /// active).
    private func count(_ run: Run?, _ delta: Int) {
        guard let run else { return }
        var migrationCounts = counts[run.migrationId] ?? MigrationCounts()
        migrationCounts.runs[run.status] = UInt64(Int(migrationCounts.runs[run.status, default: 0]) + delta)
        if let position = RunPosition(run) {
            if let index = migrationCounts.steps.firstIndex(where: { $0.stepName == position.stepName }) {
                migrationCounts.steps[index][position.stepStatus] = UInt64(Int(migrationCounts.steps[index][position.stepStatus]) + delta)
                if migrationCounts.steps[index].isEmpty { migrationCounts.steps.remove(at: index) }
            } else if delta > 0 {
                var step = StepCounts(stepName: position.stepName)
                step[position.stepStatus] = UInt64(delta)
                migrationCounts.steps.append(step)
            }
        }
        counts[run.migrationId] = migrationCounts
    }

    /// See ``RunStore/openRunListing(_:name:limit:ttl:)``: a copy of the selected run ids, shared by
    /// listings opened with one name.
    public func openRunListing(_ selection: RunSelection, name: String, limit: Int, ttl: Duration) -> RunListingOpening {
        copyRunListing(selection, name: name, ttl: ttl)
        let first = runListingPage(selection, listing: name, after: nil, limit: limit, ttl: ttl) ?? RunListingPage(entries: [], next: nil)
        return RunListingOpening(listing: name, first: first)
    }

    private func copyRunListing(_ selection: RunSelection, name: String, ttl: Duration) {
        let now = ContinuousClock.now
        listings = listings.filter { $0.value.expires > now }
        if listings[name] != nil { return }
        let selected = runs.values.filter { run in
            (selection.migrationId == nil || run.migrationId == selection.migrationId)
                && (selection.status == nil || run.status == selection.status)
                && (selection.updatedAfter.map { run.updatedAt >= $0 } ?? true)
                && (selection.updatedBefore.map { run.updatedAt < $0 } ?? true)
        }
        .sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }
        .map(\.id)
        listings[name] = (selected, selection.migrationId, now + ttl)
    }

    /// See ``RunStore/runListingPage(_:listing:after:limit:ttl:)``; the cursor is a position in the copy.
    public func runListingPage(_ selection: RunSelection, listing: String, after: String?, limit: Int, ttl: Duration) -> RunListingPage? {
        guard let snapshot = listings[listing], snapshot.expires > ContinuousClock.now, snapshot.migrationId == selection.migrationId
        else { return nil }
        listings[listing]?.expires = ContinuousClock.now + ttl
        guard let offset = after.map({ Int($0) }) ?? 0, offset >= 0, limit > 0, offset < snapshot.runs.count else {
            return RunListingPage(entries: [], next: nil)
        }
        let end = min(snapshot.runs.count, offset + limit)
        let entries = (offset..<end).compactMap { position in
            runs[snapshot.runs[position]].map { RunListingPage.Entry(run: $0, cursor: String(position + 1)) }
        }
        return RunListingPage(entries: entries, next: end < snapshot.runs.count ? String(end) : nil)
    }

    /// See ``RunStore/history(of:limit:)``.
    public func history(of runID: RunID, limit: Int) -> [HistoryEntry] {
        let history = histories[runID] ?? []
        return limit > 0 ? Array(history.suffix(limit)) : history
    }

    /// See ``RunStore/runWithHistory(id:afterVersion:)``.
    public func runWithHistory(id: RunID, afterVersion: UInt64) throws -> (run: Run, entries: [HistoryEntry]) {
        let run = try run(id: id)
        return (run, (histories[id] ?? []).filter { $0.runVersion > afterVersion })
    }

    /// See ``RunStore/runsUpdated(migrationId:since:limit:)``.
    public func runsUpdated(migrationId: String, since: Timestamp, limit: Int) -> [Run] {
        Array(
            runs.values.filter { $0.migrationId == migrationId && $0.updatedAt >= since }
                .sorted { ($0.updatedAt, $0.id) < ($1.updatedAt, $1.id) }
                .prefix(max(0, limit)))
    }

    /// See ``RunStore/claimDueTimers(partition:now:lease:limit:holder:)``.
    public func claimDueTimers(partition: Int, now: Timestamp, lease: Duration, limit: Int, holder: LeaseHolder?) throws -> [DueTimer] {
        guard timers.indices.contains(partition) else {
            throw LoomError.invalidArgument("timer partition \(partition) out of range")
        }
        let due = timers[partition].filter { $0.value <= now }
            .sorted { ($0.value, $0.key) < ($1.value, $1.key) }
            .prefix(max(0, limit))
        let leased = now + lease
        for (id, _) in due {
            timers[partition][id] = leased
            leaseHolders[id] = holder
        }
        return due.map { DueTimer(runID: $0.key, dueAt: $0.value) }
    }

    /// See ``RunStore/takeOverLeases(partition:of:for:now:lease:)``.
    public func takeOverLeases(partition: Int, of replica: String, for holder: LeaseHolder, now: Timestamp, lease: Duration) throws -> [DueTimer] {
        guard timers.indices.contains(partition) else {
            throw LoomError.invalidArgument("timer partition \(partition) out of range")
        }
        let earlier = leaseHolders.filter { id, held in
            held.replica == replica && held.incarnation != holder.incarnation && timers[partition][id] != nil
        }
        var taken: [DueTimer] = []
        for (id, _) in earlier.sorted(by: { $0.key < $1.key }) {
            guard let due = timers[partition][id] else { continue }
            timers[partition][id] = now + lease
            leaseHolders[id] = holder
            taken.append(DueTimer(runID: id, dueAt: due, takenOver: true))
        }
        return taken
    }

    /// See ``RunStore/restoreTimer(of:version:)``.
    public func restoreTimer(of runID: RunID, version: UInt64) {
        guard let run = runs[runID], run.version == version else { return }
        let partition = StorePartitioning.partition(ofMigration: runID.migrationId, count: timerPartitionCount)
        timers[partition][runID] = run.timerDueAt
        leaseHolders[runID] = nil
    }

    /// The holder of the run's timer lease (for tests and diagnostics).
    public func leaseHolder(of runID: RunID) -> LeaseHolder? {
        leaseHolders[runID]
    }

    // MARK: ReplicaRegistry

    /// See ``ReplicaRegistry/replicaRegistration(_:now:)``.
    public func replicaRegistration(_ replica: String, now: Timestamp) -> ReplicaRegistration? {
        guard let entry = replicas[replica], entry.expires > now else { return nil }
        return entry.registration
    }

    /// See ``ReplicaRegistry/registerReplica(_:replacing:now:ttl:)``.
    public func registerReplica(_ holder: LeaseHolder, replacing expected: ReplicaRegistration?, now: Timestamp, ttl: Duration) -> Bool {
        guard replicaRegistration(holder.replica, now: now) == expected else { return false }
        replicas[holder.replica] = (ReplicaRegistration(incarnation: holder.incarnation, beats: 0), now + ttl)
        return true
    }

    /// See ``ReplicaRegistry/renewReplica(_:now:ttl:)``.
    public func renewReplica(_ holder: LeaseHolder, now: Timestamp, ttl: Duration) -> Bool {
        guard let current = replicaRegistration(holder.replica, now: now) else {
            replicas[holder.replica] = (ReplicaRegistration(incarnation: holder.incarnation, beats: 0), now + ttl)
            return true
        }
        guard current.incarnation == holder.incarnation else { return false }
        replicas[holder.replica] = (ReplicaRegistration(incarnation: holder.incarnation, beats: current.beats + 1), now + ttl)
        return true
    }

    /// See ``ReplicaRegistry/unregisterReplica(_:)``.
    public func unregisterReplica(_ holder: LeaseHolder) {
        if replicas[holder.replica]?.registration.incarnation == holder.incarnation { replicas[holder.replica] = nil }
    }

    /// The due time of the run's timer in the index (for tests and diagnostics).
    public func timerDue(of runID: RunID) -> Timestamp? {
        let partition = StorePartitioning.partition(ofMigration: runID.migrationId, count: timerPartitionCount)
        return timers[partition][runID]
    }
}
