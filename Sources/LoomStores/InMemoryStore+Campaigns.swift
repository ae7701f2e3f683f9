import LoomCore

extension InMemoryStore: CampaignStore {
    /// See ``CampaignStore/apply(_:)``.
    public func apply(_ write: CampaignWrite) throws -> CampaignWriteOutcome {
        try campaignBook.apply(write)
    }

    /// See ``CampaignStore/campaign(id:)``.
    public func campaign(id: String) throws -> Campaign {
        try campaignBook.campaign(id)
    }

    /// See ``CampaignStore/campaigns(migrationId:after:limit:)``.
    public func campaigns(migrationId: String?, after: String?, limit: Int) -> [Campaign] {
        campaignBook.campaigns(migrationId: migrationId, after: after, limit: limit)
    }

    /// See ``CampaignStore/campaignMembers(id:status:from:limit:)``.
    public func campaignMembers(id: String, status: CampaignMemberStatus?, from: Int, limit: Int) throws -> (members: [CampaignMember], next: Int?) {
        try campaignBook.members(id, status: status, from: from, limit: limit)
    }

    /// See ``CampaignStore/pendingCampaignMembers(id:limit:)``.
    public func pendingCampaignMembers(id: String, limit: Int) -> [CampaignMember] {
        campaignBook.pending(id, limit: limit)
    }

    /// See ``CampaignStore/skipCampaignMember(id:candidateId:note:)``.
    public func skipCampaignMember(id: String, candidateId: String, note: String) -> Bool {
        campaignBook.skip(id, candidateId: candidateId, note: note)
    }

    /// See ``CampaignStore/requeueFailedCampaignMembers(id:)``.
    public func requeueFailedCampaignMembers(id: String) -> Int {
        campaignBook.requeueFailed(id)
    }

    /// See ``CampaignStore/cancelPendingCampaignMembers(id:)``.
    public func cancelPendingCampaignMembers(id: String) -> Int {
        campaignBook.cancelPending(id)
    }

    /// See ``CampaignStore/campaignStartWindow(id:now:)``.
    public func campaignStartWindow(id: String, now: Timestamp) -> CampaignStartWindow {
        campaignBook.window(id, now: now)
    }

    /// See ``CampaignStore/start(_:)``: the checks, the run write and the member's move in one
    /// actor turn.
    public func start(_ start: CampaignStart) -> CampaignStartOutcome {
        let id = start.campaignId, candidateId = start.candidateId
        guard campaignBook.admitsStart(id, candidateId: candidateId, now: start.now), start.run.run.campaignId == id,
            start.run.run.candidateId == candidateId
        else { return .refused }
        let previous = campaignBook.bind(id, candidateId: candidateId, generation: start.run.run.generation)
        switch apply(start.run) {
        case .applied(let run):
            campaignBook.started(id, candidateId: candidateId, at: start.now)
            return .started(run)
        case .conflict(let current):
            _ = campaignBook.bind(id, candidateId: candidateId, generation: previous)
            return .runConflict(current: current)
        case .candidateRejected(let status):
            _ = campaignBook.bind(id, candidateId: candidateId, generation: previous)
            let note = status.map { "candidate was \($0.rawValue) when the campaign reached it" } ?? "candidate does not exist"
            campaignBook.skip(id, candidateId: candidateId, note: note)
            return .skipped(note: note)
        case .campaignFull:
            _ = campaignBook.bind(id, candidateId: candidateId, generation: previous)
            return .refused
        }
    }

    /// See ``CampaignStore/claimDueCampaigns(partition:now:lease:limit:)``.
    public func claimDueCampaigns(partition: Int, now: Timestamp, lease: Duration, limit: Int) throws -> [(id: String, leasedUntil: Timestamp)] {
        guard (0..<timerPartitionCount).contains(partition) else {
            throw LoomError.invalidArgument("timer partition \(partition) out of range")
        }
        let count = timerPartitionCount
        return campaignBook.claim(partition: partition, now: now, lease: lease, limit: limit) {
            StorePartitioning.partition(ofMigration: $0, count: count)
        }
    }

    /// See ``CampaignStore/settleCampaignTimer(id:leasedUntil:due:)``.
    public func settleCampaignTimer(id: String, leasedUntil: Timestamp, due: Timestamp?) {
        campaignBook.settle(id, leasedUntil: leasedUntil, due: due)
    }

    /// See ``CampaignStore/campaignHistory(id:limit:)``.
    public func campaignHistory(id: String, limit: Int) -> [CampaignEvent] {
        campaignBook.history(id, limit: limit)
    }

    /// The due time of the campaign's timer (for tests and diagnostics).
    public func campaignTimerDue(of id: String) -> Timestamp? {
        campaignBook.timers[id]
    }
}
