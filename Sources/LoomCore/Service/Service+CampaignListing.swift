/// A page of campaigns (``Service/listCampaigns(migrationId:pageSize:pageToken:scope:)``).
public struct CampaignPage: Sendable {
    /// The campaigns, by id.
    public var campaigns: [Campaign]
    /// The token of the next page; empty when there is none.
    public var nextPageToken: String

    /// Creates a page.
    public init(campaigns: [Campaign], nextPageToken: String) {
        self.campaigns = campaigns
        self.nextPageToken = nextPageToken
    }
}

/// A page of a campaign's members (``Service/listCampaignMembers(id:status:pageSize:pageToken:scope:)``).
public struct CampaignMemberPage: Sendable {
    /// The members, in start order.
    public var members: [CampaignMember]
    /// The token of the next page; empty when there is none.
    public var nextPageToken: String

    /// Creates a page.
    public init(members: [CampaignMember], nextPageToken: String) {
        self.members = members
        self.nextPageToken = nextPageToken
    }
}

extension Service {
    /// The most history entries a store keeps per campaign, and the most one read returns.
    public static let campaignHistoryLimit = 1000

    /// The campaign with its counts, for a caller in `scope`: a caller scoped to its own
    /// migrations reads only the campaigns of those (else ``LoomError/ownedByAnother(_:)``).
    public func campaign(id: String, scope: CallerScope) async throws -> Campaign {
        let campaign = try await campaign(id: id)
        try await requireScope(scope, migrationId: campaign.migrationId)
        return campaign
    }

    /// A page of the campaigns of one migration (or of every migration when `migrationId` is
    /// `nil`), by id. Pages neither skip nor repeat a campaign that exists throughout the listing.
    /// - Parameters:
    ///   - pageSize: 0 for the default (100); at most the server's maximum (1000).
    ///   - pageToken: Empty for the first page, else the previous page's token, with the same migration.
    ///   - scope: A caller scoped to its own migrations lists the campaigns of one migration it
    ///     owns; without a migration it is refused (`permissionDenied`).
    /// - Throws: `invalidArgument` for a bad id, page size or token; `notFound` for an unknown migration.
    public func listCampaigns(
        migrationId: String? = nil, pageSize: Int = 0, pageToken: String = "", scope: CallerScope = .unrestricted
    ) async throws -> CampaignPage {
        let migrationId = migrationId?.isEmpty == true ? nil : migrationId
        if let migrationId {
            try Identifier.validate(migrationId, field: "migration id")
            try await requireScope(scope, migrationId: migrationId)
        } else if case .migrator = scope {
            throw LoomError(code: .permissionDenied, message: "a migrator lists the campaigns of one migration it owns (migration_id)")
        }
        let size = try pageLimit(pageSize)
        var after: String?
        if pageToken.isEmpty {
            // A later page's token proves the migration existed; the first page checks it.
            if let migrationId { _ = try await reads.migrationDefinition(id: migrationId) }
        } else {
            let (fields, _) = try openToken(pageToken, kind: "campaigns", migrationId: migrationId ?? "", binding: "")
            guard let cursor = fields["after"], Identifier.isValid(cursor) else { throw Self.badToken }
            after = cursor
        }
        var campaigns = try await reads.campaigns(migrationId: migrationId, after: after, limit: size + 1)
        var next = ""
        if campaigns.count > size {
            campaigns.removeLast(campaigns.count - size)
            next = try pageTokens.seal(
                kind: "campaigns", fields: [("m", migrationId ?? ""), ("f", ""), ("after", campaigns[size - 1].id)], expiresAt: 0)
        }
        return CampaignPage(campaigns: campaigns, nextPageToken: next)
    }

    /// A page of a campaign's members in start order (of one status, or any when `status` is `nil`).
    ///
    /// Without a status, pages neither skip nor repeat a member (the member list is frozen at
    /// creation). With one, a member whose status changes during the listing may be missed or
    /// listed twice.
    /// - Parameters:
    ///   - pageSize: 0 for the default (100); at most the server's maximum (1000).
    ///   - pageToken: Empty for the first page, else the previous page's token, with the same
    ///     campaign and status.
    /// - Throws: `invalidArgument` for a bad id, page size or token; `notFound`.
    public func listCampaignMembers(
        id: String, status: CampaignMemberStatus? = nil, pageSize: Int = 0, pageToken: String = "", scope: CallerScope = .unrestricted
    ) async throws -> CampaignMemberPage {
        _ = try await campaign(id: id, scope: scope)
        let size = try pageLimit(pageSize)
        let binding = status?.rawValue ?? ""
        var from = 0
        if !pageToken.isEmpty {
            let (fields, _) = try openToken(pageToken, kind: "campaign-members", migrationId: id, binding: binding)
            guard let text = fields["from"], let position = Int(text), position >= 0 else { throw Self.badToken }
            from = position
        }
        let page = try await reads.campaignMembers(id: id, status: status, from: from, limit: size)
        let next = try page.next.map {
            try pageTokens.seal(kind: "campaign-members", fields: [("m", id), ("f", binding), ("from", String($0))], expiresAt: 0)
        }
        return CampaignMemberPage(members: page.members, nextPageToken: next ?? "")
    }

    /// The campaign's newest `limit` history events (0: all it keeps, up to
    /// ``campaignHistoryLimit``), oldest first.
    /// - Throws: `invalidArgument` for a negative limit or a bad id; `notFound`.
    public func campaignHistory(id: String, limit: Int = 0, scope: CallerScope = .unrestricted) async throws -> [CampaignEvent] {
        guard limit >= 0 else { throw LoomError.invalidArgument("limit must not be negative") }
        _ = try await campaign(id: id, scope: scope)
        let count = limit == 0 ? Self.campaignHistoryLimit : min(limit, Self.campaignHistoryLimit)
        return try await reads.campaignHistory(id: id, limit: count)
    }
}
