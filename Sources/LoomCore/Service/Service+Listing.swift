import Foundation

extension Service {
    /// How long a run listing's snapshot stays after its last page was read, and so how long
    /// its next page token stays valid.
    public static let runListingLifetime: Duration = .seconds(120)
    /// Listings with the same filter started within this window share one snapshot (a console
    /// refreshing a page every few seconds does not copy the index each time).
    public static let runSnapshotSharing: Duration = .seconds(5)
    /// Index entries one candidate page may examine when filtering on kind or metadata.
    static let candidateScanLimit = 5000
    /// Snapshot entries one run page may examine when filtering on the current step.
    static let runScanLimit = 2000

    // MARK: Migrations

    /// One migration: its definition and counts (never its candidates: see
    /// ``listCandidates(migrationId:filter:pageSize:pageToken:)``).
    public func migration(id: String) async throws -> Migration {
        try Identifier.validate(id, field: "migration id")
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
    public func listCandidates(
        migrationId: String, filter: CandidateFilter = CandidateFilter(), pageSize: Int = 0, pageToken: String = ""
    ) async throws -> CandidatePage {
        try Identifier.validate(migrationId, field: "migration id")
        try Validation.candidateFilter(filter)
        let size = try pageLimit(pageSize)
        let binding = Self.filterBinding(filter)
        var after: String?
        if !pageToken.isEmpty {
            let fields = try openToken(pageToken, kind: "candidates", migrationId: migrationId, binding: binding)
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
    /// The first page snapshots the runs the migration, status and update-time filters select
    /// (shared by listings with the same filter started within ``runSnapshotSharing``, kept
    /// ``runListingLifetime`` after its last page was read); later pages read that snapshot, so a
    /// listing neither skips
    /// nor repeats a run however runs change meanwhile. Each run is returned as it is now, and
    /// step filters are checked on that state. A page may hold fewer than `pageSize` runs when
    /// step filters skip many; go on while the token is non-empty.
    public func listRuns(filter: RunFilter = RunFilter(), pageSize: Int = 0, pageToken: String = "") async throws -> RunPage {
        try Validation.runFilter(filter)
        let size = try pageLimit(pageSize)
        let migrationId = filter.selection.migrationId
        let binding = Self.filterBinding(filter)
        let listing: String
        let total: Int
        var offset = 0
        if pageToken.isEmpty {
            // A later page's token proves the migration existed; the first page checks it.
            if let migrationId { _ = try await reads.migrationDefinition(id: migrationId) }
            // Named by filter and time window: the first listings of one window share it.
            let window = clock.now().unixMilliseconds / Self.runSnapshotSharing.wholeMilliseconds
            listing = "\(binding)-\(window)"
            total = try await reads.snapshotRuns(filter.selection, listing: listing, ttl: Self.runListingLifetime)
        } else {
            let fields = try openToken(pageToken, kind: "runs", migrationId: migrationId ?? "", binding: binding)
            guard let id = fields["l"], id.hasPrefix(binding + "-"), id.utf8.count <= 64, let count = fields["n"].flatMap(Int.init),
                let position = fields["o"].flatMap(Int.init), count >= 0, (0...count).contains(position)
            else { throw Self.badToken }
            listing = id
            total = count
            offset = position
        }
        let stepFiltered = filter.stepName != nil || filter.stepStatus != nil
        var runs: [Run] = []
        var examined = 0
        while runs.count < size, offset < total, examined < (stepFiltered ? Self.runScanLimit : size) {
            let want = stepFiltered ? min(max(size, 100), total - offset) : size - runs.count
            guard let batch = try await reads.runSnapshotPage(
                listing: listing, migrationId: migrationId, offset: offset, limit: want, ttl: Self.runListingLifetime)
            else { throw LoomError.invalidArgument("page token expired: start the listing again without a page token") }
            var consumed = 0
            for run in batch {
                consumed += 1
                if filter.matchesStep(run) {
                    runs.append(run)
                    if runs.count == size { break }
                }
            }
            offset += batch.isEmpty ? want : consumed
            examined += consumed
            if batch.isEmpty { break }
        }
        offset = min(offset, total)
        let expiresAt = (clock.now() + Self.runListingLifetime).unixMilliseconds
        let next =
            try offset < total
            ? pageTokens.seal(
                kind: "runs",
                fields: [("m", migrationId ?? ""), ("f", binding), ("l", listing), ("n", String(total)), ("o", String(offset))],
                expiresAt: expiresAt)
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
    func openToken(_ token: String, kind: String, migrationId: String, binding: String) throws(LoomError) -> [String: String] {
        guard let opened = try pageTokens.open(token, kind: kind), opened.fields["m"] == migrationId, opened.fields["f"] == binding
        else { throw Self.badToken }
        if opened.expiresAt != 0, opened.expiresAt < clock.now().unixMilliseconds {
            throw .invalidArgument("page token expired: start the listing again without a page token")
        }
        return opened.fields
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
