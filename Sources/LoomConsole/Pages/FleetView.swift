import LoomCore

/// The fleet page (`/`): every migration with its progress, and what needs a human now.
enum FleetView {
    /// Renders one page of migrations (the service's page size; `token` continues a listing).
    static func render(_ page: MigrationPage, caller: ConsoleCaller, token: String, now: Timestamp) -> String {
        var reviews: UInt64 = 0, retries: UInt64 = 0
        for migration in page.migrations {
            reviews += migration.counts?.steps.reduce(0) { $0 + $1.awaitingReview } ?? 0
            retries += migration.counts?.runs[.waitingRetry] ?? 0
        }
        let attention: HTML = .el("section", [.class("attention"), .init("aria-labelledby", "attention-h")],
            .el("h2", [.id("attention-h")], .text("Needs a human now")),
            .el("p",
                .el("strong", [.id("total-awaiting-review")], .text("\(reviews)")), .text(" awaiting review, "),
                .el("strong", [.id("total-waiting-retry")], .text("\(retries)")), .text(" waiting for a retry, across "),
                .text("\(page.migrations.count) migration\(page.migrations.count == 1 ? "" : "s") on this page.")))
        let rows: [HTML] = page.migrations.map { row($0, now: now) }
        let table: HTML = page.migrations.isEmpty
            ? .el("p", [.class("empty")], .text("No migrations yet. Migrators announce them (docs/writing-a-migrator.md)."))
            : .el("table", [.class("fleet")],
                .el("caption", .text("Migrations, by id")),
                .el("thead", .el("tr",
                    .el("th", [.init("scope", "col")], .text("Migration")),
                    .el("th", [.init("scope", "col")], .text("Candidates")),
                    .el("th", [.init("scope", "col")], .text("Runs")),
                    .el("th", [.init("scope", "col")], .text("Awaiting review")),
                    .el("th", [.init("scope", "col")], .text("Waiting retry")),
                    .el("th", [.init("scope", "col")], .text("Updated")))),
                .element("tbody", [], rows))
        var paging: [HTML] = []
        if !token.isEmpty { paging.append(.el("a", [.href("/")], .text("First page"))) }
        if !page.nextPageToken.isEmpty {
            paging.append(.el("a", [.href("/?page=\(Layout.queryValue(page.nextPageToken))"), .init("rel", "next")], .text("Next page")))
        }
        return Layout.page(
            title: "Fleet", caller: caller, events: "/events/fleet" + (token.isEmpty ? "" : "?page=\(Layout.queryValue(token))"),
            attention, table, .element("nav", [.class("paging"), .init("aria-label", "Pages")], paging))
    }

    private static func row(_ migration: Migration, now: Timestamp) -> HTML {
        let counts = migration.counts ?? MigrationCounts()
        let reviews = counts.steps.reduce(0) { $0 + $1.awaitingReview }
        let retries = counts.runs[.waitingRetry] ?? 0
        return .el("tr", [.init("data-migration", migration.id)],
            .el("th", [.init("scope", "row")],
                .el("a", [.href(Layout.migrationPath(migration.id))], .text(migration.name.isEmpty ? migration.id : migration.name)),
                .el("div", [.class("sub")], .text(migration.id))),
            .el("td", Layout.progress(CandidateStatus.allCases.map { ($0.rawValue, counts.candidates[$0] ?? 0) }, label: "Candidates")),
            .el("td", Layout.progress(RunStatus.allCases.map { ($0.rawValue, counts.runs[$0] ?? 0) }, label: "Runs")),
            .el("td", [.class(reviews > 0 ? "num attention-cell" : "num")], .text("\(reviews)")),
            .el("td", [.class(retries > 0 ? "num attention-cell" : "num")], .text("\(retries)")),
            .el("td", Layout.time(migration.updatedAt, now: now)))
    }
}
