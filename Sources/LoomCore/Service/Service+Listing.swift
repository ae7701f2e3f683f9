import Foundation

extension Service {
    /// How long a run listing can be read after its first page: its page tokens expire then
    /// (a store keeps what the listing needs at least this long).
    public static let runListingLifetime: Duration = .seconds(300)
    /// Listings with the same filter started within this window may share one copy of the
    /// selection in stores that copy it (a console refreshing a page every few seconds does
    /// not copy the index each time).
    public static let runSnapshotSharing: Duration = .seconds(5)
    /// Index entries one candidate page may examine when filtering on kind or metadata.
    static let candidateScanLimit = 5000
    /// Listed runs one run page may examine when filtering on the current step.
    static let runScanLimit = 2000

    // MARK: Migrations

    /// One migration: its definition and counts (never its candidates: see
    /// ``listCandidates(migrationId:filter:pageSize:pageToken:scope:)``).
    /// - Parameter scope: The migrations the caller may read (``CallerScope``); another is refused
    ///   with ``LoomError/ownedByAnother(_:)``.
    public func migration(id: String, scope: CallerScope = .unrestricted) async throws -> Migration {
        try Identifier.validate(id, field: "migration id")
        try await requireScope(scope, migrationId: id)
        var migration = try await reads.migrationSummary(id: id)
        let order = migration.steps.map(\.name)
        migration.counts?.orderSteps(by: order)
        return migration
    }

    /// Recomputes the migration's counts from its records and reports any drift; with
    /// `repair`, rewrites the stored counts and listing indexes from the records.
    public func recountMigration(id: String, repair: Bool) async throws -> CountCheck {
        try Identifier.validate(id, field: "migration id")
        let definition = try await reads.migrationDefinition(id: id)
        var check = try await reads.recountMigration(id: id, repair: repair)
        let order = definition.steps.map(\.name)
        check.stored.orderSteps(by: order)
        check.recounted.orderSteps(by: order)
        let drift = check.drift
        if drift.isEmpty {
            logger.info("counts checked: no drift", metadata: ["migration": "\(id)", "repaired": "\(check.repaired)"])
        } else {
            logger.notice(
                "counts drifted from the records",
                metadata: ["migration": "\(id)", "drift": "\(drift.joined(separator: "; "))", "repaired": "\(check.repaired)"])
        }
        return check
    }

    // MARK: Candidates

    /// A page of the migration's candidates, ordered by id, filtered.
    ///
    /// A page may hold fewer than `pageSize` candidates (even none) when kind or metadata
    /// filters skip many, because one page examines a bounded number of candidates; go on
    /// while the token is non-empty. Pages neither skip nor repeat a candidate that exists
    /// throughout the listing.
    /// - Parameters:
    ///   - pageSize: 0 for the default (100); at most 1000.
    ///   - pageToken: Empty for the first page, else the previous page's token, with the same
    ///     migration and filter.
    ///   - scope: The migrations the caller may read (``CallerScope``); another is refused with
    ///     ``LoomError/ownedByAnother(_:)``.
    public func listCandidates(
        migrationId: String, filter: CandidateFilter = CandidateFilter(), pageSize: Int = 0, pageToken: String = "",
        scope: CallerScope = .unrestricted
    ) async throws -> CandidatePage {
        try Identifier.validate(migrationId, field: "migration id")
        try await requireScope(scope, migrationId: migrationId)
        try Validation.candidateFilter(filter)
        let size = try pageLimit(pageSize)
        let binding = Self.filterBinding(filter)
        var after: String?
        if !pageToken.isEmpty {
            let (fields, _) = try openToken(pageToken, kind: "candidates", migrationId: migrationId, binding: binding)
            guard let cursor = fields["after"], CandidateID.isValid(cursor) else { throw Self.badToken }
            after = cursor
        }
        let scan = try await reads.candidatePage(
            migrationId: migrationId, filter: filter, after: after, limit: size, scanLimit: Self.candidateScanLimit)
        let next = try scan.resumeAfter.map {
            try pageTokens.seal(kind: "candidates", fields: [("m", migrationId), ("f", binding), ("after", $0)], expiresAt: 0)
        }
        return CandidatePage(candidates: scan.candidates, nextPageToken: next ?? "")
    }

    // MARK: Runs

    /// A page of runs of one migration (or every migration), filtered, most recently updated
    /// first.
    ///
    /// The first page opens a listing of the runs the migration, status and update-time filters
    /// select at that moment; its pages neither skip nor repeat a run however runs change
    /// meanwhile, for ``runListingLifetime`` after the first page. Each run is returned as it is
    /// now, and step and stalled filters are checked on that state. A page may hold fewer than `pageSize`
    /// runs when those filters skip many; go on while the token is non-empty.
    ///
    /// A caller scoped to its own migrations (``CallerScope/migrator(identity:)``) lists the runs
    /// of one migration it owns: without a migration, or for another's, it is refused
    /// (`permissionDenied`).
    public func listRuns(
        filter: RunFilter = RunFilter(), pageSize: Int = 0, pageToken: String = "", scope: CallerScope = .unrestricted
    ) async throws -> RunPage {
        if case .migrator = scope {
            guard let migrationId = filter.selection.migrationId, !migrationId.isEmpty else {
                throw LoomError(
                    code: .permissionDenied, message: "a migrator lists the runs of one migration it owns (migration_id)")
            }
            try await requireScope(scope, migrationId: migrationId)
        }
        try Validation.runFilter(filter)
        let size = try pageLimit(pageSize)
        let migrationId = filter.selection.migrationId
        let binding = Self.filterBinding(filter)
        let stepFiltered = filter.checksRecords
        let listing: String
        var cursor: String?
        let expiresAt: Int64
        var opened: RunListingPage?
        if pageToken.isEmpty {
            // A later page's token proves the migration existed; the first page checks it.
            if let migrationId { _ = try await reads.migrationDefinition(id: migrationId) }
            // Named by filter and time window: stores that copy the selection share one copy.
            let window = clock.now().unixMilliseconds / Self.runSnapshotSharing.wholeMilliseconds
            let opening = try await reads.openRunListing(
                filter.selection, name: "\(binding)-\(window)", limit: stepFiltered ? max(size, 100) : size, ttl: Self.runListingLifetime)
            listing = opening.listing
            opened = opening.first
            expiresAt = (clock.now() + Self.runListingLifetime).unixMilliseconds
        } else {
            let (fields, expiry) = try openToken(pageToken, kind: "runs", migrationId: migrationId ?? "", binding: binding)
            guard let id = fields["l"], !id.isEmpty, id.utf8.count <= 80, let after = fields["c"], after.utf8.count <= 1024 else {
                throw Self.badToken
            }
            listing = id
            cursor = after
            expiresAt = expiry
        }
        var runs: [Run] = []
        var examined = 0
        var more = true
        while runs.count < size, more, examined < (stepFiltered ? Self.runScanLimit : size) {
            let want = stepFiltered ? max(size, 100) : size - runs.count
            let read: RunListingPage?
            if let first = opened {
                read = first
                opened = nil
            } else {
                read = try await reads.runListingPage(filter.selection, listing: listing, after: cursor, limit: want, ttl: Self.runListingLifetime)
            }
            guard let page = read else { throw LoomError.invalidArgument("page token expired: start the listing again without a page token") }
            var stoppedEarly = false
            for entry in page.entries {
                examined += 1
                cursor = entry.cursor
                if filter.matchesStep(entry.run) {
                    runs.append(entry.run)
                    if runs.count == size {
                        stoppedEarly = entry != page.entries.last
                        break
                    }
                }
            }
            if !stoppedEarly {
                cursor = page.next
                more = page.next != nil
            }
            if page.entries.isEmpty { break }
        }
        let next =
            try more && cursor != nil
            ? pageTokens.seal(
                kind: "runs", fields: [("m", migrationId ?? ""), ("f", binding), ("l", listing), ("c", cursor!)], expiresAt: expiresAt)
            : ""
        return RunPage(runs: runs, nextPageToken: next)
    }

    // MARK: Page tokens

    static var badToken: LoomError { .invalidArgument("page_token is not a token of this listing (same migration and filters)") }

    func pageLimit(_ pageSize: Int) throws(LoomError) -> Int {
        guard pageSize >= 0 else { throw .invalidArgument("page_size must not be negative") }
        guard pageSize <= configuration.maxPageSize else {
            throw .invalidArgument("page_size must be at most \(configuration.maxPageSize), got \(pageSize)")
        }
        return pageSize == 0 ? configuration.defaultPageSize : pageSize
    }

    /// Opens a token of listing `kind`, checking that it was issued for the same migration and
    /// filters and has not expired.
    func openToken(_ token: String, kind: String, migrationId: String, binding: String) throws(LoomError) -> (
        fields: [String: String], expiresAt: Int64
    ) {
        guard let opened = try pageTokens.open(token, kind: kind), opened.fields["m"] == migrationId, opened.fields["f"] == binding
        else { throw Self.badToken }
        if opened.expiresAt != 0, opened.expiresAt < clock.now().unixMilliseconds {
            throw .invalidArgument("page token expired: start the listing again without a page token")
        }
        return (opened.fields, opened.expiresAt)
    }

    /// A short digest that binds a token to the filters it was issued for.
    static func filterBinding(_ filter: CandidateFilter) -> String {
        var text = "c|\(filter.status?.rawValue ?? "")|\(filter.kind.map { "=" + $0 } ?? "")|\(filter.idPrefix)"
        for key in filter.metadata.keys.sorted() { text += "|\(key.utf8.count):\(key)=\(filter.metadata[key]!)" }
        return digest(text)
    }

    static func filterBinding(_ filter: RunFilter) -> String {
        let s = filter.selection
        let text =
            "r|\(s.migrationId ?? "")|\(s.status?.rawValue ?? "")|\(s.updatedAfter?.unixMilliseconds ?? 0)|"
            + "\(s.updatedBefore?.unixMilliseconds ?? 0)|\(filter.stepName ?? "")|\(filter.stepStatus?.rawValue ?? "")"
            + (filter.stalled ? "|stalled" : "")
        return digest(text)
    }

    private static func digest(_ text: String) -> String {
        SHA256.hash(Array(text.utf8)).prefix(12).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
