import LoomCore
import LoomProto

// Campaigns between their domain values (LoomCore) and their wire messages (LoomProto).

// MARK: - Domain -> wire

extension LoomProto.CampaignState {
    init(_ value: LoomCore.CampaignState) {
        switch value {
        case .running: self = .running
        case .paused: self = .paused
        case .cancelled: self = .cancelled
        case .completed: self = .completed
        }
    }
}

extension LoomProto.CampaignMemberStatus {
    init(_ value: LoomCore.CampaignMemberStatus) {
        switch value {
        case .pending: self = .pending
        case .running: self = .running
        case .completed: self = .completed
        case .failed: self = .failed
        case .skipped: self = .skipped
        case .cancelled: self = .cancelled
        }
    }
}

extension LoomProto.CampaignEventKind {
    init(_ value: LoomCore.CampaignEvent.Kind) {
        switch value {
        case .created: self = .created
        case .paused: self = .paused
        case .budgetSpent: self = .budgetSpent
        case .resumed: self = .resumed
        case .changed: self = .changed
        case .cancelled: self = .cancelled
        case .completed: self = .completed
        case .retried: self = .retried
        case .skipped: self = .skipped
        }
    }
}

extension LoomProto.CampaignCounts {
    init(_ value: LoomCore.CampaignCounts) {
        self.init(
            pending: value.pending, running: value.running, completed: value.completed, failed: value.failed,
            skipped: value.skipped, cancelled: value.cancelled)
    }
}

extension LoomProto.Campaign {
    init(_ value: LoomCore.Campaign) {
        self.init(
            id: value.id, migrationID: value.migrationId, description: value.description, createdBy: value.createdBy,
            createdAtUnixMs: value.createdAt.unixMilliseconds, updatedAtUnixMs: value.updatedAt.unixMilliseconds,
            state: .init(value.state), stateReason: value.stateReason,
            maxInFlight: UInt32(clamping: value.pacing.maxInFlight), maxStartsPerMinute: UInt32(clamping: value.pacing.maxStartsPerMinute),
            maxFailures: UInt32(clamping: value.budget.maxFailures ?? 0), maxFailurePercent: value.budget.maxFailurePercent ?? 0,
            minimumFinished: UInt32(clamping: value.budget.minimumFinished), inputs: value.inputs,
            explicitCandidates: value.filter == nil, filterStatus: value.filter?.status.map(LoomProto.CandidateStatus.init) ?? .unspecified,
            filterKind: value.filter?.kind ?? "", filterIDPrefix: value.filter?.idPrefix ?? "",
            filterMetadata: value.filter?.metadata ?? [:], counts: .init(value.counts), version: value.version)
    }
}

extension LoomProto.CampaignMember {
    init(_ value: LoomCore.CampaignMember) {
        self.init(
            candidateID: value.candidateId, inputs: value.inputs, status: .init(value.status),
            startedAtUnixMs: value.startedAt?.unixMilliseconds ?? 0, runGeneration: value.runGeneration, note: value.note)
    }
}

extension LoomProto.CampaignEvent {
    init(_ value: LoomCore.CampaignEvent) {
        self.init(atUnixMs: value.at.unixMilliseconds, kind: .init(value.kind), by: value.by, detail: value.detail)
    }
}

// MARK: - Wire -> domain

extension LoomCore.FailureBudget {
    /// The budget a request names: 0 means no such limit (`minimumFinished` 0: the default).
    init(maxFailures: UInt32, maxFailurePercent: Double, minimumFinished: UInt32) {
        self.init(
            maxFailures: maxFailures == 0 ? nil : Int(maxFailures),
            maxFailurePercent: maxFailurePercent == 0 ? nil : maxFailurePercent,
            minimumFinished: minimumFinished == 0 ? Self.defaultMinimumFinished : Int(minimumFinished))
    }
}

extension LoomCore.CampaignMemberStatus {
    /// The status a filter names; `nil` for UNSPECIFIED (any status).
    init?(filter value: LoomProto.CampaignMemberStatus) throws(LoomError) {
        guard let status = try filterValue(value, field: "status", wire: LoomProto.CampaignMemberStatus.init) else { return nil }
        self = status
    }
}

extension LoomCore.CampaignRequest {
    /// The campaign a request asks for: its explicit candidates, or else its filter.
    /// - Throws: `invalidArgument` for an unknown status or a candidate given member inputs twice.
    init(_ request: LoomProto.CreateCampaignRequest) throws(LoomError) {
        let selection: CampaignSelection
        if request.candidateIDs.isEmpty {
            let filter = LoomCore.CandidateFilter(
                status: try LoomCore.CandidateStatus(filter: request.status), kind: request.kind.isEmpty ? nil : request.kind,
                idPrefix: request.idPrefix, metadata: request.metadata)
            selection = .matching(CampaignFilter(filter))
        } else {
            selection = .candidates(request.candidateIDs)
        }
        var memberInputs: [String: [String: String]] = [:]
        for entry in request.memberInputs {
            guard memberInputs.updateValue(entry.inputs, forKey: entry.candidateID) == nil else {
                throw .invalidArgument("member_inputs names \(entry.candidateID.prefix(200)) twice")
            }
        }
        self.init(
            id: request.campaignID, migrationId: request.migrationID, description: request.description, selection: selection,
            inputs: request.inputs, memberInputs: memberInputs,
            pacing: CampaignPacing(maxInFlight: Int(request.maxInFlight), maxStartsPerMinute: Int(request.maxStartsPerMinute)),
            budget: FailureBudget(
                maxFailures: request.maxFailures, maxFailurePercent: request.maxFailurePercent, minimumFinished: request.minimumFinished))
    }
}
