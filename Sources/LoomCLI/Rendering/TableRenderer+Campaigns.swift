import LoomProto

extension TableRenderer {
    /// `campaign list`: one row per campaign.
    public func campaigns(_ campaigns: [Campaign]) -> [String] {
        guard !campaigns.isEmpty else { return ["No campaigns."] }
        var table = TextTable(headers: ["ID", "MIGRATION", "STATE", "DONE", "RUNNING", "PENDING", "FAILED", "IN FLIGHT", "CREATED"])
        for campaign in campaigns {
            let counts = campaign.counts ?? CampaignCounts()
            let settled = counts.completed + counts.failed + counts.skipped + counts.cancelled
            table.append([
                campaign.id, campaign.migrationID, campaignState(campaign.state), "\(settled)/\(counts.total)", "\(counts.running)",
                "\(counts.pending)", counts.failed > 0 ? palette.red("\(counts.failed)") : "0",
                "\(counts.running)/\(campaign.maxInFlight)", formatTimestamp(campaign.createdAtUnixMs),
            ])
        }
        return table.render(palette: palette)
    }

    /// `campaign show`: state and reason, selection, pacing, budget, counts as progress bars, recent history.
    public func campaign(_ campaign: Campaign, history: [CampaignEvent] = []) -> [String] {
        var lines = [
            "Campaign \(campaign.id) of migration \(campaign.migrationID)",
            "State:      " + campaignState(campaign.state) + (campaign.stateReason.isEmpty ? "" : " — \(campaign.stateReason)"),
        ]
        if !campaign.description.isEmpty { lines.append("About:      \(campaign.description)") }
        lines.append("Created:    \(formatTimestamp(campaign.createdAtUnixMs)) by \(campaign.createdBy.isEmpty ? "(anonymous)" : campaign.createdBy)")
        lines.append("Selection:  " + Self.selection(campaign))
        lines.append("Pacing:     at most \(campaign.maxInFlight) in flight, \(campaign.maxStartsPerMinute) starts a minute")
        lines.append("Budget:     " + Self.budget(campaign))
        if !campaign.inputs.isEmpty {
            lines.append("Inputs:     " + campaign.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        lines += [""] + campaignCounts(campaign.counts ?? CampaignCounts())
        if !history.isEmpty {
            lines += ["", "Recent history:"]
            lines += campaignHistory(history)
        }
        return lines
    }

    /// The members of a campaign per status, one progress bar each.
    public func campaignCounts(_ counts: CampaignCounts) -> [String] {
        let total = counts.total
        var table = TextTable(headers: ["STATUS", "COUNT", "SHARE", "PROGRESS"])
        for (status, value) in [
            (CampaignMemberStatus.completed, counts.completed), (.running, counts.running), (.pending, counts.pending),
            (.failed, counts.failed), (.skipped, counts.skipped), (.cancelled, counts.cancelled),
        ] {
            table.append([palette.memberStatus(status), "\(value)", Self.percent(value, of: total), bar(value, of: total, memberColour(status))])
        }
        return ["Members: \(total)"] + table.render(palette: palette)
    }

    /// `campaign members`: one row per member.
    public func campaignMembers(_ members: [CampaignMember]) -> [String] {
        guard !members.isEmpty else { return ["No members."] }
        var table = TextTable(headers: ["CANDIDATE", "STATUS", "STARTED", "GENERATION", "NOTE"])
        for member in members {
            table.append([
                member.candidateID, palette.memberStatus(member.status), formatTimestamp(member.startedAtUnixMs),
                member.runGeneration == 0 ? "" : "\(member.runGeneration)", member.note,
            ])
        }
        return table.render(palette: palette)
    }

    /// A campaign's history, oldest first.
    public func campaignHistory(_ events: [CampaignEvent]) -> [String] {
        guard !events.isEmpty else { return ["No history."] }
        var table = TextTable(headers: ["AT", "EVENT", "BY", "DETAIL"])
        for event in events {
            table.append([formatTimestamp(event.atUnixMs), event.kind.cliName, event.by, event.detail])
        }
        return table.render(palette: palette)
    }

    /// `campaign create` / `campaign preview`.
    public func campaignCreated(_ response: CreateCampaignResponse, preview: Bool) -> [String] {
        guard let campaign = response.campaign else { return ["No campaign in the answer."] }
        if !preview {
            return [
                "Created campaign \(campaign.id) of \(campaign.migrationID): \(response.memberCount) members, "
                    + "at most \(campaign.maxInFlight) in flight and \(campaign.maxStartsPerMinute) starts a minute.",
                "Follow it with: loomctl campaign show \(campaign.id)",
            ]
        }
        var lines = [
            "Preview (nothing was created): campaign \(campaign.id) of \(campaign.migrationID) would have \(response.memberCount) members.",
            "Selection:  " + Self.selection(campaign),
            "Pacing:     at most \(campaign.maxInFlight) in flight, \(campaign.maxStartsPerMinute) starts a minute",
            "Budget:     " + Self.budget(campaign),
            "",
            response.members.count < Int(response.memberCount)
                ? "First \(response.members.count) members, in start order:" : "Members, in start order:",
        ]
        var table = TextTable(headers: ["CANDIDATE", "OWN INPUTS"])
        for member in response.members {
            table.append([member.candidateID, member.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")])
        }
        lines += table.render(palette: palette)
        return lines
    }

    static func selection(_ campaign: Campaign) -> String {
        if campaign.explicitCandidates { return "listed candidates" }
        var parts: [String] = []
        if campaign.filterStatus != .unspecified { parts.append("status \(campaign.filterStatus.cliName)") }
        if !campaign.filterKind.isEmpty { parts.append("kind \(campaign.filterKind)") }
        if !campaign.filterIDPrefix.isEmpty { parts.append("ids starting \(campaign.filterIDPrefix)") }
        parts += campaign.filterMetadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return parts.isEmpty ? "every candidate" : "candidates with " + parts.joined(separator: ", ")
    }

    static func budget(_ campaign: Campaign) -> String {
        var limits: [String] = []
        if campaign.maxFailures > 0 { limits.append("\(campaign.maxFailures) failed runs") }
        if campaign.maxFailurePercent > 0 {
            limits.append("\(formatPercent(campaign.maxFailurePercent)) % of finished runs (after \(campaign.minimumFinished) finished)")
        }
        return limits.isEmpty ? "none (never pauses itself)" : "pause at " + limits.joined(separator: " or ")
    }

    /// `12.5`, `5` (no trailing `.0`).
    static func formatPercent(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    func campaignState(_ state: CampaignState) -> String {
        switch state {
        case .running: palette.blue(state.cliName)
        case .paused: palette.yellow(state.cliName)
        case .cancelled: palette.red(state.cliName)
        case .completed: palette.green(state.cliName)
        case .unspecified, .unrecognized: state.cliName
        }
    }

    func memberColour(_ status: CampaignMemberStatus) -> (String) -> String {
        switch status {
        case .completed: palette.green
        case .running: palette.blue
        case .failed, .cancelled: palette.red
        case .skipped: palette.yellow
        case .pending, .unspecified, .unrecognized: palette.dim
        }
    }
}

extension Palette {
    /// Colours a campaign member status by its meaning.
    func memberStatus(_ status: CampaignMemberStatus) -> String {
        switch status {
        case .completed: green(status.cliName)
        case .running: blue(status.cliName)
        case .failed, .cancelled: red(status.cliName)
        case .skipped: yellow(status.cliName)
        case .pending, .unspecified, .unrecognized: dim(status.cliName)
        }
    }
}
