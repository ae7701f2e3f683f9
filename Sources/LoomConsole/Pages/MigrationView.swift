import LoomCore

/// The migration page (`/migrations/{id}`): counts, per-step progress, and one filtered page of candidates.
enum MigrationView {
    /// The filter and paging a request asks for, from its query (`status`, `kind`, `q`, `page`).
    struct Query {
        var filter = CandidateFilter()
        var token = ""

        /// The query string for this filter with `token` (none when empty).
        func queryString(token: String) -> String {
            var parts: [String] = []
            if let status = filter.status { parts.append("status=\(status.rawValue)") }
            if let kind = filter.kind { parts.append("kind=\(Layout.queryValue(kind))") }
            if !filter.idPrefix.isEmpty { parts.append("q=\(Layout.queryValue(filter.idPrefix))") }
            if !token.isEmpty { parts.append("page=\(Layout.queryValue(token))") }
            return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
        }
    }

    /// Parses the query; a bad status is a 400 naming the field.
    static func query(_ parameters: [String: String]) throws(LoomError) -> Query {
        var query = Query()
        if let status = parameters["status"], !status.isEmpty {
            guard let parsed = CandidateStatus(rawValue: status) else {
                throw .invalidArgument("status must be one of \(CandidateStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.filter.status = parsed
        }
        if let kind = parameters["kind"], !kind.isEmpty { query.filter.kind = kind }
        query.filter.idPrefix = parameters["q"] ?? ""
        query.token = parameters["page"] ?? ""
        return query
    }

    /// - Parameter canStart: Whether the caller may start runs (a "Start…" link on each candidate without a run).
    static func render(
        _ migration: Migration, page: CandidatePage, query: Query, caller: ConsoleCaller, canStart: Bool, now: Timestamp
    ) -> String {
        let counts = migration.counts ?? MigrationCounts()
        let summary: HTML = .el("section", [.init("aria-labelledby", "progress-h")],
            .el("h2", [.id("progress-h")], .text("Progress")),
            .el("p", [.class("sub")], .text(migration.description)),
            .el("div", [.id("migration-counts")],
                Layout.progress(CandidateStatus.allCases.map { ($0.rawValue, counts.candidates[$0] ?? 0) }, label: "Candidates"),
                Layout.progress(RunStatus.allCases.map { ($0.rawValue, counts.runs[$0] ?? 0) }, label: "Runs")),
            steps(migration, counts: counts))
        let candidates: HTML = .el("section", [.init("aria-labelledby", "candidates-h")],
            .el("h2", [.id("candidates-h")], .text("Candidates")),
            filterForm(migration, query: query),
            table(migration, page: page, canStart: canStart),
            paging(migration, page: page, query: query))
        return Layout.page(
            title: migration.name.isEmpty ? migration.id : migration.name, caller: caller,
            events: "/events\(Layout.migrationPath(migration.id))", crumbs: [(migration.id, nil)], summary, candidates)
    }

    private static func steps(_ migration: Migration, counts: MigrationCounts) -> HTML {
        let byName = Dictionary(counts.steps.map { ($0.stepName, $0) }, uniquingKeysWith: { first, _ in first })
        let rows: [HTML] = migration.steps.map { step in
            let c = byName[step.name] ?? StepCounts(stepName: step.name)
            return .el("tr",
                .el("th", [.init("scope", "row")], .text(step.name)),
                .el("td", [.class("num")], .text("\(c.inProgress)")),
                .el("td", [.class("num")], .text("\(c.open)")),
                .el("td", [.class(c.awaitingReview > 0 ? "num attention-cell" : "num")], .text("\(c.awaitingReview)")),
                .el("td", [.class(c.failed > 0 ? "num attention-cell" : "num")], .text("\(c.failed)")))
        }
        return .el("table", [.class("steps")],
            .el("caption", .text("Active runs by current step")),
            .el("thead", .el("tr",
                .el("th", [.init("scope", "col")], .text("Step")), .el("th", [.init("scope", "col")], .text("In progress")),
                .el("th", [.init("scope", "col")], .text("Open")), .el("th", [.init("scope", "col")], .text("Awaiting review")),
                .el("th", [.init("scope", "col")], .text("Failed")))),
            .element("tbody", [], rows))
    }

    private static func filterForm(_ migration: Migration, query: Query) -> HTML {
        let options: [HTML] = [.el("option", [.init("value", "")], .text("any"))] + CandidateStatus.allCases.map { status in
            var attributes: [HTML.Attribute] = [.init("value", status.rawValue)]
            if query.filter.status == status { attributes.append(.init("selected", nil)) }
            return .element("option", attributes, [.text(status.rawValue)])
        }
        return .el("form", [.class("filters"), .init("method", "get"), .init("action", Layout.migrationPath(migration.id)), .init("role", "search")],
            .el("label", [.init("for", "f-status")], .text("Status")),
            .element("select", [.id("f-status"), .init("name", "status")], options),
            .el("label", [.init("for", "f-q")], .text("Id starts with")),
            .void("input", [.id("f-q"), .init("name", "q"), .init("type", "search"), .init("value", query.filter.idPrefix), .init("maxlength", "256")]),
            .el("label", [.init("for", "f-kind")], .text("Kind")),
            .void("input", [.id("f-kind"), .init("name", "kind"), .init("type", "text"), .init("value", query.filter.kind ?? ""), .init("maxlength", "128")]),
            .el("button", [.init("type", "submit")], .text("Filter")))
    }

    private static func table(_ migration: Migration, page: CandidatePage, canStart: Bool) -> HTML {
        guard !page.candidates.isEmpty else {
            return .el("p", [.class("empty")], .text("No candidate on this page matches."))
        }
        let rows: [HTML] = page.candidates.map { candidate in
            let metadata = candidate.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " · ")
            let idCell: HTML = candidate.status == .notStarted
                ? .text(candidate.id)
                : .el("a", [.href(Layout.runPath(migration.id, candidate.id))], .text(candidate.id))
            return .el("tr", [.init("data-candidate", candidate.id)],
                .el("th", [.init("scope", "row")], idCell),
                .el("td", .text(candidate.kind)),
                .el("td", [.class("cstatus")], Layout.badge(candidate.status.rawValue)),
                .el("td", [.class("meta")], .text(metadata)),
                canStart
                    ? .el("td", candidate.status == .notStarted
                        ? .el("a", [.href(Layout.runPath(migration.id, candidate.id) + "/start"), .init("aria-label", "Start \(candidate.id)")], .text("Start…"))
                        : .empty)
                    : .empty)
        }
        return .el("table", [.class("candidates")],
            .el("caption", .text("Candidates, by id")),
            .el("thead", .el("tr",
                .el("th", [.init("scope", "col")], .text("Candidate")), .el("th", [.init("scope", "col")], .text("Kind")),
                .el("th", [.init("scope", "col")], .text("Status")), .el("th", [.init("scope", "col")], .text("Metadata")),
                canStart ? .el("th", [.init("scope", "col")], .text("Action")) : .empty)),
            .element("tbody", [], rows))
    }

    private static func paging(_ migration: Migration, page: CandidatePage, query: Query) -> HTML {
        var links: [HTML] = []
        let base = Layout.migrationPath(migration.id)
        if !query.token.isEmpty { links.append(.el("a", [.href(base + query.queryString(token: ""))], .text("First page"))) }
        if !page.nextPageToken.isEmpty {
            links.append(.el("a", [.href(base + query.queryString(token: page.nextPageToken)), .init("rel", "next")], .text("Next page")))
        }
        return .element("nav", [.class("paging"), .init("aria-label", "Candidate pages")], links)
    }
}
