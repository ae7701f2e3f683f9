import LoomProto

/// The human-readable (table) form of loomctl's results.
public struct TableRenderer: Sendable {
    /// Colours, or none.
    public var palette: Palette

    /// Creates a renderer.
    public init(palette: Palette = .plain) {
        self.palette = palette
    }

    /// `migrations list`: one row per migration.
    public func migrations(_ migrations: [Migration]) -> [String] {
        guard !migrations.isEmpty else { return ["No migrations."] }
        var table = TextTable(headers: ["ID", "NAME", "STEPS", "CANDIDATES", "DONE", "NEEDS A HUMAN", "OWNER", "UPDATED"])
        for migration in migrations {
            let counts = migration.counts ?? MigrationCounts()
            let candidates = counts.candidatesNotStarted + counts.candidatesRunning + counts.candidatesCompleted
            let attention = counts.runsWaitingRetry + counts.steps.reduce(0) { $0 + $1.awaitingReview }
            table.append([
                migration.id, migration.name, "\(migration.steps.count)", "\(candidates)",
                Self.percent(counts.candidatesCompleted, of: candidates), attention > 0 ? palette.yellow("\(attention)") : "0",
                migration.owner, formatTimestamp(migration.updatedAtUnixMs),
            ])
        }
        return table.render(palette: palette)
    }

    /// `migrations show`: the migration's fields, steps, inputs and progress.
    public func migration(_ migration: Migration) -> [String] {
        var lines = fields([
            ("Migration", migration.id),
            ("Name", migration.name),
            ("Description", migration.description),
            ("Migrator", migration.migratorURL),
            ("Owner", migration.owner),
            ("Created", formatTimestamp(migration.createdAtUnixMs)),
            ("Updated", formatTimestamp(migration.updatedAtUnixMs)),
        ])
        lines.append("")
        var steps = TextTable(headers: ["#", "STEP", "TYPE", "MIGRATOR APP", "DESCRIPTION"])
        for (index, step) in migration.steps.enumerated() {
            steps.append(["\(index + 1)", step.name, step.type, step.migratorApp, step.description])
        }
        lines += steps.render(palette: palette)
        if !migration.requiredInputs.isEmpty {
            lines.append("")
            var inputs = TextTable(headers: ["INPUT", "LABEL"])
            for input in migration.requiredInputs { inputs.append([input.name, input.label]) }
            lines += inputs.render(palette: palette)
        }
        if let counts = migration.counts {
            lines.append("")
            lines += self.counts(counts)
        }
        return lines
    }

    /// `candidates list`: one row per candidate with its status.
    public func candidates(_ candidates: [Candidate]) -> [String] {
        guard !candidates.isEmpty else { return ["No candidates."] }
        var table = TextTable(headers: ["CANDIDATE", "KIND", "STATUS", "FILES"])
        for candidate in candidates {
            let fileCount = candidate.files.reduce(0) { $0 + $1.files.count }
            table.append([candidate.id, candidate.kind, palette.candidateStatus(candidate.status), "\(fileCount)"])
        }
        return table.render(palette: palette)
    }

    /// `run show` (and the result of start, cancel, retry, approve, reject): the run's fields and one row per
    /// step, including steps not reached yet (`pending`).
    public func run(_ run: Run) -> [String] {
        let total = run.steps.count
        let current = Int(run.currentStep) < total ? "\(run.currentStep + 1)/\(total) \(run.steps[Int(run.currentStep)].name)" : "\(total)/\(total)"
        var lines = fields([
            ("Run", run.id),
            ("Status", palette.runStatus(run.status)),
            ("Step", current),
            ("Failure", run.failureReason),
            ("Stalled", run.stalledSinceUnixMs == 0 ? "" : palette.yellow("since \(formatTimestamp(run.stalledSinceUnixMs)): no event, and the migrator has no /step-status")),
            ("Generation", run.generation == 0 ? "" : "\(run.generation)"),
            ("Started by", run.startedBy),
            ("Inputs", run.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")),
            ("Created", formatTimestamp(run.createdAtUnixMs)),
            ("Updated", formatTimestamp(run.updatedAtUnixMs)),
            ("Finished", formatTimestamp(run.finishedAtUnixMs)),
        ])
        lines.append("")
        lines += steps(of: run)
        return lines
    }

    /// The step table of a run.
    public func steps(of run: Run) -> [String] {
        var table = TextTable(headers: ["#", "STEP", "STATUS", "ATTEMPT", "UPDATED", "PR", "FAILURE"])
        for (index, step) in run.steps.enumerated() {
            let result = Self.result(for: step.name, in: run)
            let marker = index == Int(run.currentStep) && !run.status.isFinished ? "›" : " "
            table.append([
                "\(marker)\(index + 1)",
                step.name,
                palette.stepStatus(result?.status),
                result.map { "\($0.attempt)" } ?? "",
                formatTimestamp(result?.updatedAtUnixMs ?? 0),
                result?.metadata["prUrl"] ?? "",
                result.map { palette.red($0.failureReason) } ?? "",
            ])
        }
        return table.render(palette: palette)
    }

    /// `run history`: one row per transition, oldest first.
    public func history(_ entries: [HistoryEntry]) -> [String] {
        guard !entries.isEmpty else { return ["No history."] }
        var table = TextTable(headers: ["TIME", "EVENT", "STEP", "ATTEMPT", "STEP STATUS", "RUN STATUS", "DETAIL"])
        for entry in entries {
            table.append([
                formatTimestamp(entry.atUnixMs),
                entry.kind.cliName,
                entry.stepName,
                entry.attempt == 0 ? "" : "\(entry.attempt)",
                entry.stepStatus == .unspecified ? "" : palette.stepStatus(entry.stepStatus),
                entry.runStatus == .unspecified ? "" : palette.runStatus(entry.runStatus),
                entry.detail,
            ])
        }
        return table.render(palette: palette)
    }

    /// `candidates submit`.
    public func submitted(_ response: SubmitCandidatesResponse) -> [String] {
        var lines = ["Accepted \(response.accepted) candidate\(response.accepted == 1 ? "" : "s")."]
        if !response.skippedIDs.isEmpty {
            lines.append("Skipped (run active or completed): \(response.skippedIDs.joined(separator: ", "))")
        }
        if !response.rejected.isEmpty {
            lines.append(palette.red("Refused \(response.rejected.count):"))
            lines += response.rejected.map { "  \($0.id): \($0.reason)" }
        }
        return lines
    }

    /// The result of a step of `run`: the last one recorded under its name.
    static func result(for stepName: String, in run: Run) -> StepResult? {
        run.results.last { $0.stepName == stepName }
    }

    /// `Label:  value` lines, aligned, skipping empty values.
    func fields(_ pairs: [(String, String)]) -> [String] {
        let shown = pairs.filter { !$0.1.isEmpty }
        let width = shown.map { $0.0.count }.max() ?? 0
        return shown.map { label, value in
            palette.bold(label + ":") + String(repeating: " ", count: width - label.count + 2) + value
        }
    }
}
