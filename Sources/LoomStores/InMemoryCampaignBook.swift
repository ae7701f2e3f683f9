import LoomCore

/// The campaigns of ``InMemoryStore``: records, members, start windows, histories and timers, with
/// the rules of ``CampaignStore``. A value the store actor owns, so every operation on it is atomic
/// with the store's run writes.
struct InMemoryCampaignBook {
    /// One campaign and everything that belongs to it.
    struct Entry {
        var campaign: Campaign
        /// Candidate ids in start order.
        var order: [String]
        var members: [String: CampaignMember]
        /// Start times, ascending.
        var starts: [Timestamp] = []
        var history: [CampaignEvent] = []
    }

    /// Events kept per campaign (oldest dropped first).
    static let historyCap = 1000

    private(set) var entries: [String: Entry] = [:]
    /// Each campaign's timer, when it has one.
    private(set) var timers: [String: Timestamp] = [:]

    // MARK: Records

    mutating func apply(_ write: CampaignWrite) throws -> CampaignWriteOutcome {
        let id = write.campaign.id
        let current = entries[id]
        if let current, current.campaign.migrationId != write.campaign.migrationId {
            throw LoomError.invalidArgument("campaign id \(id) is taken by another migration's campaign")
        }
        guard (current?.campaign.version ?? 0) == write.expectedVersion, (current == nil) == (write.expectedVersion == 0) else {
            return .conflict(current: current?.campaign)
        }
        var campaign = write.campaign
        campaign.version = write.expectedVersion + 1
        if var entry = current {
            campaign.counts = entry.campaign.counts
            campaign.migrationId = entry.campaign.migrationId
            entry.campaign = campaign
            entries[id] = entry
        } else {
            var members: [String: CampaignMember] = [:]
            for member in write.members {
                guard members[member.candidateId] == nil else {
                    throw LoomError.invalidArgument("a candidate is a member twice: \(member.candidateId.prefix(200))")
                }
                var fresh = member
                fresh.status = .pending
                members[member.candidateId] = fresh
            }
            campaign.counts = CampaignCounts(members: UInt64(members.count))
            entries[id] = Entry(campaign: campaign, order: write.members.map(\.candidateId), members: members)
        }
        append(write.event, to: id)
        timers[id] = write.timerDueAt
        return .applied(campaign)
    }

    func campaign(_ id: String) throws -> Campaign {
        guard let entry = entries[id] else { throw LoomError.campaignNotFound(id) }
        return entry.campaign
    }

    func campaigns(migrationId: String?, after: String?, limit: Int) -> [Campaign] {
        Array(
            entries.values.map(\.campaign)
                .filter { migrationId == nil || $0.migrationId == migrationId }
                .filter { after == nil || $0.id > after! }
                .sorted { $0.id < $1.id }
                .prefix(max(0, limit)))
    }

    func members(_ id: String, status: CampaignMemberStatus?, from: Int, limit: Int) throws -> (members: [CampaignMember], next: Int?) {
        guard let entry = entries[id] else { throw LoomError.campaignNotFound(id) }
        var found: [CampaignMember] = []
        var position = max(0, from)
        while position < entry.order.count, found.count < limit {
            if let member = entry.members[entry.order[position]], status == nil || member.status == status {
                found.append(member)
            }
            position += 1
        }
        return (found, position < entry.order.count ? position : nil)
    }

    func pending(_ id: String, limit: Int) -> [CampaignMember] {
        guard let entry = entries[id] else { return [] }
        var found: [CampaignMember] = []
        for candidateId in entry.order where found.count < limit {
            if let member = entry.members[candidateId], member.status == .pending { found.append(member) }
        }
        return found
    }

    func history(_ id: String, limit: Int) -> [CampaignEvent] {
        let history = entries[id]?.history ?? []
        return limit > 0 ? Array(history.suffix(limit)) : history
    }

    private mutating func append(_ event: CampaignEvent, to id: String) {
        entries[id]?.history.append(event)
        if let count = entries[id]?.history.count, count > Self.historyCap {
            entries[id]?.history.removeFirst(count - Self.historyCap)
        }
    }

    // MARK: Starts

    func window(_ id: String, now: Timestamp) -> CampaignStartWindow {
        let since = now - CampaignStartWindow.length
        let recent = (entries[id]?.starts ?? []).filter { $0 > since }
        return CampaignStartWindow(count: recent.count, oldest: recent.first)
    }

    /// Whether `candidateId` may start now: the campaign runs, its cap and rate have room, and the
    /// member is pending.
    func admitsStart(_ id: String, candidateId: String, now: Timestamp) -> Bool {
        guard let entry = entries[id], entry.campaign.state == .running,
            entry.members[candidateId]?.status == .pending,
            entry.campaign.counts.running < UInt64(entry.campaign.pacing.maxInFlight)
        else { return false }
        return window(id, now: now).count < entry.campaign.pacing.maxStartsPerMinute
    }

    /// Ties the member to the run generation about to start (before the run write, which then
    /// moves it to running); returns the generation it had, to put back if the write fails.
    mutating func bind(_ id: String, candidateId: String, generation: UInt32) -> UInt32 {
        let old = entries[id]?.members[candidateId]?.runGeneration ?? 0
        entries[id]?.members[candidateId]?.runGeneration = generation
        return old
    }

    /// Records a start made at `now` (the member's start time, and the rate window).
    mutating func started(_ id: String, candidateId: String, at now: Timestamp) {
        entries[id]?.members[candidateId]?.startedAt = now
        entries[id]?.starts.append(now)
        let since = now - CampaignStartWindow.length
        entries[id]?.starts.removeAll { $0 <= since }
    }

    /// Moves a pending member to skipped with `note`; whether it moved.
    @discardableResult
    mutating func skip(_ id: String, candidateId: String, note: String) -> Bool {
        guard let member = entries[id]?.members[candidateId], member.status == .pending else { return false }
        entries[id]?.members[candidateId]?.note = note
        move(id, candidateId: candidateId, to: .skipped)
        return true
    }

    /// Moves every failed member back to pending; how many moved.
    mutating func requeueFailed(_ id: String) -> Int {
        guard let entry = entries[id] else { return 0 }
        var moved = 0
        for candidateId in entry.order where entry.members[candidateId]?.status == .failed {
            move(id, candidateId: candidateId, to: .pending)
            moved += 1
        }
        return moved
    }

    /// Moves every pending member to cancelled; how many moved.
    mutating func cancelPending(_ id: String) -> Int {
        guard let entry = entries[id] else { return 0 }
        var moved = 0
        for candidateId in entry.order where entry.members[candidateId]?.status == .pending {
            move(id, candidateId: candidateId, to: .cancelled)
            moved += 1
        }
        return moved
    }

    private mutating func move(_ id: String, candidateId: String, to status: CampaignMemberStatus) {
        guard let old = entries[id]?.members[candidateId]?.status, old != status else { return }
        entries[id]?.members[candidateId]?.status = status
        entries[id]?.campaign.counts.move(from: old, to: status)
    }

    // MARK: Runs

    /// The campaign whose cap `run`'s write would exceed (its member would return to running
    /// while the campaign's running members are at the cap), or `nil` when the write is admitted.
    func overCap(_ run: Run) -> String? {
        guard !run.campaignId.isEmpty, let entry = entries[run.campaignId],
            let member = entry.members[run.candidateId], member.runGeneration == run.generation,
            member.status != .running, CampaignMemberStatus(runStatus: run.status) == .running,
            entry.campaign.counts.running >= UInt64(entry.campaign.pacing.maxInFlight)
        else { return nil }
        return run.campaignId
    }

    /// Moves the member of the campaign that started `run` to the status the run's implies, and
    /// wakes the campaign's timer when the member left running.
    mutating func runWritten(_ run: Run) {
        guard !run.campaignId.isEmpty, let member = entries[run.campaignId]?.members[run.candidateId],
            member.runGeneration == run.generation
        else { return }
        let status = CampaignMemberStatus(runStatus: run.status)
        guard status != member.status else { return }
        move(run.campaignId, candidateId: run.candidateId, to: status)
        if member.status == .running, timers[run.campaignId].map({ $0 > run.updatedAt }) ?? true {
            timers[run.campaignId] = run.updatedAt
        }
    }

    // MARK: Timers

    mutating func claim(partition: Int, now: Timestamp, lease: Duration, limit: Int, partitionOf: (String) -> Int) -> [(id: String, leasedUntil: Timestamp)] {
        let due = timers.filter { id, at in at <= now && entries[id].map { partitionOf($0.campaign.migrationId) == partition } ?? false }
            .sorted { ($0.value, $0.key) < ($1.value, $1.key) }
            .prefix(max(0, limit))
        let leased = now + lease
        for (id, _) in due { timers[id] = leased }
        return due.map { ($0.key, leased) }
    }

    mutating func settle(_ id: String, leasedUntil: Timestamp, due: Timestamp?) {
        guard timers[id] == leasedUntil else { return }
        timers[id] = due
    }
}
