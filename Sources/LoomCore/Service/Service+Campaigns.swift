/// What an operator asks a campaign to be (``Service/createCampaign(_:createdBy:)``).
public struct CampaignRequest: Sendable {
    /// The campaign's id (an ``Identifier``); empty: Loom makes one.
    public var id: String
    /// The migration whose runs it starts.
    public var migrationId: String
    /// What it is for.
    public var description: String
    /// Which candidates it covers, resolved once at creation.
    public var selection: CampaignSelection
    /// Inputs every member's run gets (over the candidate's own inputs).
    public var inputs: [String: String]
    /// Per-candidate inputs (over the shared ones); every key must be a member.
    public var memberInputs: [String: [String: String]]
    /// How fast it starts runs.
    public var pacing: CampaignPacing
    /// When it pauses itself.
    public var budget: FailureBudget

    /// Creates a request.
    public init(
        id: String = "", migrationId: String, description: String = "", selection: CampaignSelection, inputs: [String: String] = [:],
        memberInputs: [String: [String: String]] = [:], pacing: CampaignPacing, budget: FailureBudget = FailureBudget()
    ) {
        self.id = id
        self.migrationId = migrationId
        self.description = description
        self.selection = selection
        self.inputs = inputs
        self.memberInputs = memberInputs
        self.pacing = pacing
        self.budget = budget
    }
}

/// A campaign as it would be created, with its members: what a preview shows before anything
/// starts.
public struct CampaignPlan: Sendable {
    /// The campaign record (not stored by a preview).
    public var campaign: Campaign
    /// Its members in start order.
    public var members: [CampaignMember]
}

extension Service {
    /// Validates the request and resolves its selection into members, writing nothing.
    /// - Throws: `invalidArgument` naming the field: a bad id, pacing or budget, an empty
    ///   selection or one over ``CampaignSelection/maxMembers``, an unknown or repeated candidate,
    ///   member inputs for a candidate outside the selection, members without a required input;
    ///   `notFound` for an unknown migration.
    public func previewCampaign(_ request: CampaignRequest, createdBy: String) async throws -> CampaignPlan {
        let id = request.id.isEmpty ? Self.newCampaignID() : request.id
        try Identifier.validate(id, field: "campaign id")
        try Identifier.validate(request.migrationId, field: "migration id")
        try Validation.text(request.description, field: "description")
        try Validation.text(createdBy, field: "createdBy", max: Validation.maxNameLength)
        try Validation.map(request.inputs, field: "inputs")
        try request.pacing.validate()
        try request.budget.validate()
        if request.memberInputs.count > CampaignSelection.maxMembers {
            throw LoomError.invalidArgument("member_inputs has more than \(CampaignSelection.maxMembers) entries")
        }
        for (candidateId, inputs) in request.memberInputs { try Validation.map(inputs, field: "member_inputs[\(candidateId.prefix(200))]") }
        let migration = try await store.migrationDefinition(id: request.migrationId)
        let candidates = try await selectedCandidates(request.selection, migrationId: request.migrationId)
        guard !candidates.isEmpty else { throw LoomError.invalidArgument("selection matches no candidate of migration \(request.migrationId)") }
        let selected = Set(candidates.map(\.id))
        if let stray = request.memberInputs.keys.sorted().first(where: { !selected.contains($0) }) {
            throw LoomError.invalidArgument("member_inputs names \(stray.prefix(200)), which is not in the selection")
        }
        var members: [CampaignMember] = []
        var lacking: [String] = []
        for candidate in candidates {
            let own = request.memberInputs[candidate.id] ?? [:]
            let merged = candidate.inputs.merging(request.inputs) { _, shared in shared }.merging(own) { _, mine in mine }
            let missing = migration.requiredInputs.filter { (merged[$0.name] ?? "").isEmpty }.map(\.name)
            if !missing.isEmpty { lacking.append("\(candidate.id.prefix(200)) (\(missing.joined(separator: ", ")))") }
            members.append(CampaignMember(candidateId: candidate.id, inputs: own))
        }
        if !lacking.isEmpty {
            let shown = lacking.prefix(5).joined(separator: "; ")
            throw LoomError.invalidArgument(
                "\(lacking.count) member\(lacking.count == 1 ? " lacks" : "s lack") required inputs: \(shown)\(lacking.count > 5 ? "; …" : "")")
        }
        let now = clock.now()
        let campaign = Campaign(
            id: id, migrationId: request.migrationId, description: request.description, createdBy: createdBy, createdAt: now,
            pacing: request.pacing, budget: request.budget, inputs: request.inputs,
            filter: request.selection.filter, counts: CampaignCounts(members: UInt64(members.count)))
        return CampaignPlan(campaign: campaign, members: members)
    }

    /// Creates the campaign (``previewCampaign(_:createdBy:)``, then stored with its members) and
    /// sets its timer so that the next orchestrator tick starts its first members.
    /// - Throws: as ``previewCampaign(_:createdBy:)``; `alreadyRunning`-like `invalidArgument`
    ///   when the id is taken.
    public func createCampaign(_ request: CampaignRequest, createdBy: String) async throws -> Campaign {
        try requireSigningKey()
        let plan = try await previewCampaign(request, createdBy: createdBy)
        let event = CampaignEvent(
            at: plan.campaign.createdAt, kind: .created, by: createdBy,
            detail: "\(plan.members.count) members, at most \(plan.campaign.pacing.maxInFlight) in flight and \(plan.campaign.pacing.maxStartsPerMinute) starts a minute")
        let write = CampaignWrite(campaign: plan.campaign, expectedVersion: 0, members: plan.members, event: event, timerDueAt: plan.campaign.createdAt)
        switch try await store.apply(write) {
        case .applied(let campaign):
            logger.notice("campaign created", metadata: ["campaign": "\(campaign.id)", "migration": "\(campaign.migrationId)", "members": "\(plan.members.count)", "by": "\(createdBy)"])
            return campaign
        case .conflict:
            throw LoomError.invalidArgument("campaign id \(plan.campaign.id) is taken")
        }
    }

    /// The campaign with its counts.
    public func campaign(id: String) async throws -> Campaign {
        try Identifier.validate(id, field: "campaign id")
        return try await reads.campaign(id: id)
    }

    /// Pauses a running campaign: it starts nothing more until resumed (its runs go on).
    /// Pausing a paused campaign changes nothing.
    /// - Throws: `failedPrecondition` for a cancelled or completed campaign.
    public func pauseCampaign(id: String, by: String, reason: String = "") async throws -> Campaign {
        try Validation.text(reason, field: "reason")
        return try await changeCampaign(id) { campaign, now in
            guard campaign.state != .paused else { return nil }
            guard campaign.state == .running else { throw Self.closed(campaign, "paused") }
            campaign.state = .paused
            campaign.stateReason = "paused by \(by)" + (reason.isEmpty ? "" : ": \(reason)")
            return (CampaignEvent(at: now, kind: .paused, by: by, detail: reason), nil)
        }
    }

    /// Resumes a paused campaign (also one its budget paused: its failures stay counted, so raise
    /// the budget first or it pauses again at once). Resuming a running campaign changes nothing.
    /// - Throws: `failedPrecondition` for a cancelled or completed campaign.
    public func resumeCampaign(id: String, by: String) async throws -> Campaign {
        try await changeCampaign(id) { campaign, now in
            guard campaign.state != .running else { return nil }
            guard campaign.state == .paused else { throw Self.closed(campaign, "resumed") }
            campaign.state = .running
            campaign.stateReason = ""
            return (CampaignEvent(at: now, kind: .resumed, by: by), now)
        }
    }

    /// Changes a campaign's pacing and budget while it runs (effective at its next tick).
    /// - Throws: `invalidArgument` for limits out of range; `failedPrecondition` when cancelled or completed.
    public func changeCampaign(id: String, pacing: CampaignPacing, budget: FailureBudget, by: String) async throws -> Campaign {
        try pacing.validate()
        try budget.validate()
        return try await changeCampaign(id) { campaign, now in
            guard campaign.state.isOpen else { throw Self.closed(campaign, "changed") }
            campaign.pacing = pacing
            campaign.budget = budget
            let detail = "at most \(pacing.maxInFlight) in flight, \(pacing.maxStartsPerMinute) starts a minute"
            return (CampaignEvent(at: now, kind: .changed, by: by, detail: detail), campaign.state == .running ? now : nil)
        }
    }

    /// Cancels a campaign for good: its pending members are cancelled and it starts nothing more;
    /// with `cancelRuns`, its runs still in flight are cancelled too (else they go on).
    /// - Returns: The campaign, and how many runs were cancelled.
    /// - Throws: `failedPrecondition` for a completed campaign.
    public func cancelCampaign(id: String, by: String, cancelRuns: Bool) async throws -> (campaign: Campaign, runsCancelled: Int) {
        var campaign = try await changeCampaign(id) { campaign, now in
            guard campaign.state != .cancelled else { return nil }
            guard campaign.state.isOpen else { throw Self.closed(campaign, "cancelled") }
            campaign.state = .cancelled
            campaign.stateReason = "cancelled by \(by)"
            return (CampaignEvent(at: now, kind: .cancelled, by: by, detail: cancelRuns ? "with its runs" : ""), nil)
        }
        _ = try await store.cancelPendingCampaignMembers(id: id)
        var cancelled = 0
        if cancelRuns {
            var from = 0
            while true {
                let page = try await store.campaignMembers(id: id, status: .running, from: from, limit: 500)
                for member in page.members {
                    do {
                        _ = try await cancelRun(migrationId: campaign.migrationId, candidateId: member.candidateId, reason: "campaign \(id) cancelled by \(by)")
                        cancelled += 1
                    } catch let error as LoomError where error.code == .notRunning {
                        continue  // it finished meanwhile
                    }
                }
                guard let next = page.next else { break }
                from = next
            }
        }
        campaign = try await store.campaign(id: id)
        logger.notice("campaign cancelled", metadata: ["campaign": "\(id)", "by": "\(by)", "runsCancelled": "\(cancelled)"])
        return (campaign, cancelled)
    }

    /// Sends every failed member back to be retried: the campaign retries each one's failed step (a
    /// fresh attempt, as ``retryStep(migrationId:candidateId:stepName:)``) under its cap and rate. A
    /// completed campaign runs again; a paused one stays paused until resumed.
    /// - Returns: The campaign, and how many members were sent back.
    /// - Throws: `failedPrecondition` for a cancelled campaign.
    public func retryFailedCampaignMembers(id: String, by: String) async throws -> (campaign: Campaign, requeued: Int) {
        try Identifier.validate(id, field: "campaign id")
        try requireSigningKey()
        let current = try await store.campaign(id: id)
        guard current.state != .cancelled else { throw Self.closed(current, "retried") }
        let requeued = try await store.requeueFailedCampaignMembers(id: id)
        guard requeued > 0 else { return (try await store.campaign(id: id), 0) }
        let campaign = try await changeCampaign(id) { campaign, now in
            if campaign.state == .completed {
                campaign.state = .running
                campaign.stateReason = ""
            }
            let event = CampaignEvent(at: now, kind: .retried, by: by, detail: "\(requeued) failed member\(requeued == 1 ? "" : "s") sent back to be retried")
            return (event, campaign.state == .running ? now : nil)
        }
        logger.notice("campaign failed members requeued", metadata: ["campaign": "\(id)", "members": "\(requeued)", "by": "\(by)"])
        return (campaign, requeued)
    }

    /// Skips pending members (at most 10,000 per call): the campaign will not start them. Members that are
    /// not pending are left as they are.
    /// - Returns: The campaign, and how many members were skipped.
    public func skipCampaignMembers(id: String, candidateIds: [String], by: String, reason: String = "") async throws -> (campaign: Campaign, skipped: Int) {
        try Identifier.validate(id, field: "campaign id")
        try Validation.text(reason, field: "reason")
        guard !candidateIds.isEmpty, candidateIds.count <= Validation.maxCandidatesPerRequest else {
            throw LoomError.invalidArgument("candidate_ids must name 1-\(Validation.maxCandidatesPerRequest) members, got \(candidateIds.count)")
        }
        for candidateId in candidateIds { try CandidateID.validate(candidateId) }
        _ = try await store.campaign(id: id)
        let note = "skipped by \(by)" + (reason.isEmpty ? "" : ": \(reason)")
        var skipped = 0
        for candidateId in Set(candidateIds).sorted() where try await store.skipCampaignMember(id: id, candidateId: candidateId, note: note) {
            skipped += 1
        }
        let campaign = try await changeCampaign(id) { campaign, now in
            guard skipped > 0 else { return nil }
            let event = CampaignEvent(at: now, kind: .skipped, by: by, detail: "\(skipped) member\(skipped == 1 ? "" : "s") skipped" + (reason.isEmpty ? "" : ": \(reason)"))
            return (event, campaign.state == .running ? now : nil)
        }
        return (campaign, skipped)
    }

    /// Applies `change` to the campaign's record (re-deciding on the current record after a lost
    /// race); `change` returns the event and the timer, or `nil` when there is nothing to change.
    private func changeCampaign(
        _ id: String, _ change: (inout Campaign, Timestamp) throws -> (event: CampaignEvent, timer: Timestamp?)?
    ) async throws -> Campaign {
        try Identifier.validate(id, field: "campaign id")
        var current = try await store.campaign(id: id)
        for _ in 0..<8 {
            var changed = current
            let now = clock.now()
            guard let (event, timer) = try change(&changed, now) else { return current }
            changed.updatedAt = now
            switch try await store.apply(CampaignWrite(campaign: changed, expectedVersion: current.version, event: event, timerDueAt: timer)) {
            case .applied(let stored):
                logger.info("campaign changed", metadata: ["campaign": "\(id)", "event": "\(event.kind.rawValue)", "by": "\(event.by)"])
                return stored
            case .conflict(let latest):
                guard let latest else { throw LoomError.campaignNotFound(id) }
                current = latest
            }
        }
        throw LoomError.conflict("campaign \(id) changed concurrently too often; try again")
    }

    private static func closed(_ campaign: Campaign, _ action: String) -> LoomError {
        LoomError(code: .failedPrecondition, message: "campaign \(campaign.id) is \(campaign.state.rawValue) and cannot be \(action)")
    }

    /// The candidates a selection names, in its order (explicit ids) or by id (a filter).
    private func selectedCandidates(_ selection: CampaignSelection, migrationId: String) async throws -> [Candidate] {
        if let filter = selection.filter {
            let candidateFilter = filter.candidateFilter
            try Validation.candidateFilter(candidateFilter)
            var found: [Candidate] = []
            var after: String?
            repeat {
                let scan = try await store.candidatePage(migrationId: migrationId, filter: candidateFilter, after: after, limit: 1000, scanLimit: 10_000)
                found += scan.candidates
                if found.count > CampaignSelection.maxMembers {
                    throw LoomError.invalidArgument("selection matches more than \(CampaignSelection.maxMembers) candidates; narrow the filter")
                }
                after = scan.resumeAfter
            } while after != nil
            return found
        }
        let ids = selection.candidateIds
        guard ids.count <= CampaignSelection.maxMembers else {
            throw LoomError.invalidArgument("selection lists more than \(CampaignSelection.maxMembers) candidates")
        }
        var seen = Set<String>()
        for id in ids {
            try CandidateID.validate(id)
            guard seen.insert(id).inserted else { throw LoomError.invalidArgument("selection lists \(id.prefix(200)) twice") }
        }
        var byId: [String: Candidate] = [:]
        var after: String?
        repeat {
            let scan = try await store.candidatePage(migrationId: migrationId, filter: CandidateFilter(), after: after, limit: 1000, scanLimit: 10_000)
            for candidate in scan.candidates where seen.contains(candidate.id) { byId[candidate.id] = candidate }
            after = scan.resumeAfter
        } while after != nil && byId.count < seen.count
        if let unknown = ids.first(where: { byId[$0] == nil }) {
            throw LoomError.candidateNotFound(unknown, migrationId: migrationId)
        }
        return ids.compactMap { byId[$0] }
    }

    /// `c-` and 12 random lowercase hex digits.
    static func newCampaignID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return "c-" + String((0..<12).map { _ in digits[Int.random(in: 0..<16, using: &generator)] })
    }
}
