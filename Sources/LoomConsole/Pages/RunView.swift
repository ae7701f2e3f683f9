import LoomCore

/// The run page (`/migrations/{id}/candidates/{cid}`): the run's summary, its step timeline and its history.
enum RunView {
    /// The buttons the caller gets (each exactly when its RPC would be allowed) and the forms' CSRF token.
    struct Actions {
        var csrf: String
        var approve = false
        var retry = false
        var cancel = false

        var isEmpty: Bool { !approve && !retry && !cancel }
    }

    static func render(_ run: Run, history: [HistoryEntry], caller: ConsoleCaller, actions: Actions, now: Timestamp) -> String {
        let summary: HTML = .el("section", [.init("aria-labelledby", "summary-h")],
            .el("h2", [.id("summary-h")], .text("Run")),
            .el("dl", [.class("summary")],
                .el("dt", .text("Status")), .el("dd", [.id("run-status")], Layout.badge(run.status.rawValue)),
                .el("dt", .text("Current step")), .el("dd", .text(run.currentStepDefinition?.name ?? "—")),
                .el("dt", .text("Started")), .el("dd", Layout.time(run.createdAt, now: now)),
                .el("dt", .text("Updated")), .el("dd", Layout.time(run.updatedAt, now: now)),
                .el("dt", .text("Finished")), .el("dd", Layout.time(run.finishedAt, now: now)),
                .el("dt", .text("Started by")), .el("dd", .text(run.startedBy.isEmpty ? "—" : run.startedBy)),
                .el("dt", .text("Inputs")), .el("dd", .text(pairs(run.inputs))),
                .el("dt", .text("Candidate")), .el("dd", .text(run.candidate.kind), .text(" · "), .text(pairs(run.candidate.metadata))),
                .el("dt", .text("Failure")), .el("dd", [.class("failure")], .text(run.failureReason ?? "—")),
                .el("dt", .text("Version")), .el("dd", [.id("run-version")], .text("\(run.version)"))))
        let timeline: HTML = .el("section", [.init("aria-labelledby", "timeline-h")],
            .el("h2", [.id("timeline-h")], .text("Steps")),
            .element("ol", [.class("timeline")], run.steps.enumerated().map { index, step in
                self.step(step, result: run.results.first { $0.stepName == step.name }, current: index == run.currentStep && !run.status.isFinished, now: now)
            }))
        let rows: [HTML] = history.reversed().map { entry in
            .el("tr",
                .el("td", Layout.time(entry.at, now: now)),
                .el("td", .text(entry.kind.rawValue)),
                .el("td", .text(entry.stepName)),
                .el("td", [.class("num")], .text(entry.attempt == 0 ? "" : "\(entry.attempt)")),
                .el("td", entry.stepStatus.map { Layout.badge($0.rawValue) } ?? .empty),
                .el("td", Layout.badge(entry.runStatus.rawValue)),
                .el("td", [.class("detail")], .text(entry.detail)))
        }
        let historyTable: HTML = .el("section", [.init("aria-labelledby", "history-h")],
            .el("h2", [.id("history-h")], .text("History (newest first)")),
            .el("table", [.class("history")],
                .el("caption", .text("Every transition of this run")),
                .el("thead", .el("tr",
                    .el("th", [.init("scope", "col")], .text("When")), .el("th", [.init("scope", "col")], .text("What")),
                    .el("th", [.init("scope", "col")], .text("Step")), .el("th", [.init("scope", "col")], .text("Attempt")),
                    .el("th", [.init("scope", "col")], .text("Step status")), .el("th", [.init("scope", "col")], .text("Run status")),
                    .el("th", [.init("scope", "col")], .text("Detail")))),
                .element("tbody", [], rows)))
        let events = "/events\(Layout.runPath(run.migrationId, run.candidateId))?version=\(run.version)"
        return Layout.page(
            title: run.candidateId, caller: caller, events: run.status.isFinished ? nil : events,
            crumbs: [(run.migrationId, Layout.migrationPath(run.migrationId)), (run.candidateId, nil)],
            summary, buttons(run, actions), timeline, historyTable)
    }

    /// The action forms: approve / reject the current step, retry it, cancel (through a confirmation page).
    private static func buttons(_ run: Run, _ actions: Actions) -> HTML {
        guard !actions.isEmpty else { return .empty }
        let base = Layout.runPath(run.migrationId, run.candidateId)
        let step = run.currentStepDefinition?.name ?? ""
        func form(_ path: String, _ label: String, danger: Bool = false) -> HTML {
            .el("form", [.init("method", "post"), .init("action", base + path), .class("inline")],
                .void("input", [.init("type", "hidden"), .init("name", "csrf"), .init("value", actions.csrf)]),
                .void("input", [.init("type", "hidden"), .init("name", "step"), .init("value", step)]),
                .el("button", [.init("type", "submit"), .id("action-\(path.dropFirst())"), .class(danger ? "danger" : "primary")], .text(label)))
        }
        var items: [HTML] = []
        if actions.approve {
            items.append(form("/approve", "Approve \(step)"))
            items.append(form("/reject", "Reject \(step)", danger: true))
        }
        if actions.retry { items.append(form("/retry", "Retry \(step)")) }
        if actions.cancel { items.append(.el("a", [.href(base + "/cancel"), .class("button danger"), .id("action-cancel")], .text("Cancel run…"))) }
        return .element("section", [.class("actions"), .init("aria-label", "Actions")], items)
    }

    private static func step(_ step: StepDefinition, result: StepResult?, current: Bool, now: Timestamp) -> HTML {
        guard let result else {
            return .el("li", [.class("step pending"), .init("data-step", step.name)],
                .el("h3", .text(step.name)), .el("p", [.class("sub")], .text(step.description.isEmpty ? "not reached" : step.description)))
        }
        let duration: String = {
            let end = result.finishedAt ?? (result.status.isPending ? now : result.updatedAt)
            return Self.duration(end - result.startedAt)
        }()
        let metadata = result.metadata.filter { $0.key != "prUrl" }.sorted { $0.key < $1.key }
        return .el("li", [.class(current ? "step current" : "step"), .init("data-step", step.name)],
            .el("h3", .text(step.name), .text(" "), Layout.badge(result.status.rawValue)),
            .el("dl",
                .el("dt", .text("Attempt")), .el("dd", .text("\(result.attempt)")),
                .el("dt", .text("Started")), .el("dd", Layout.time(result.startedAt, now: now)),
                .el("dt", .text("Duration")), .el("dd", .text(duration)),
                result.phase.isEmpty ? .empty : .group([.el("dt", .text("Phase")), .el("dd", .text(result.phase))]),
                result.metadata["prUrl"].map { .group([.el("dt", .text("Pull request")), .el("dd", HTML.safeExternalLink($0))]) } ?? .empty,
                result.failureReason.map { .group([.el("dt", .text("Failure")), .el("dd", [.class("failure")], .text($0))]) } ?? .empty,
                result.lastDispatchError.map { .group([.el("dt", .text("Dispatch error")), .el("dd", [.class("failure")], .text($0))]) } ?? .empty,
                metadata.isEmpty ? .empty : .group([.el("dt", .text("Metadata")), .el("dd", [.class("meta")], .text(pairs(result.metadata.filter { $0.key != "prUrl" })))])))
    }

    /// `key=value · key=value`, sorted by key.
    static func pairs(_ values: [String: String]) -> String {
        values.isEmpty ? "—" : values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " · ")
    }

    /// `850 ms`, `12 s`, `4 min 5 s`, `2 h 3 min`.
    static func duration(_ duration: Duration) -> String {
        let ms = max(0, duration.wholeMilliseconds)
        switch ms {
        case 0..<1000: return "\(ms) ms"
        case 1000..<60_000: return "\(ms / 1000) s"
        case 60_000..<3_600_000: return "\(ms / 60_000) min \(ms / 1000 % 60) s"
        default: return "\(ms / 3_600_000) h \(ms / 60_000 % 60) min"
        }
    }
}
