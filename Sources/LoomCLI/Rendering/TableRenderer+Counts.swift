import LoomProto

extension TableRenderer {
    /// Width of a progress bar, in cells.
    static let barWidth = 30

    /// `█████░░░░░` for `part` of `whole`, coloured by `colour`.
    func bar(_ part: UInt64, of whole: UInt64, _ colour: (String) -> String) -> String {
        let filled = whole == 0 ? 0 : Int((Double(part) / Double(whole) * Double(Self.barWidth)).rounded())
        return colour(String(repeating: "█", count: filled)) + palette.dim(String(repeating: "░", count: Self.barWidth - filled))
    }

    /// `42 %` of `part` in `whole`.
    static func percent(_ part: UInt64, of whole: UInt64) -> String {
        whole == 0 ? "-" : "\(Int((Double(part) / Double(whole) * 100).rounded(.down))) %"
    }

    /// The candidates and runs of a migration as one progress bar per status, and active runs per step.
    public func counts(_ counts: MigrationCounts) -> [String] {
        let candidates = counts.candidatesNotStarted + counts.candidatesRunning + counts.candidatesCompleted
        var lines = ["Candidates: \(candidates)"]
        var table = TextTable(headers: ["STATUS", "COUNT", "SHARE", "PROGRESS"])
        for (name, value, colour) in [
            ("completed", counts.candidatesCompleted, palette.green), ("running", counts.candidatesRunning, palette.blue),
            ("not_started", counts.candidatesNotStarted, palette.dim),
        ] as [(String, UInt64, (String) -> String)] {
            table.append([name, "\(value)", Self.percent(value, of: candidates), bar(value, of: candidates, colour)])
        }
        lines += table.render(palette: palette)
        let runs = counts.runsRunning + counts.runsWaitingRetry + counts.runsCompleted + counts.runsCancelled + counts.runsFailed
        lines += ["", "Runs: \(runs)"]
        var runTable = TextTable(headers: ["STATUS", "COUNT", "SHARE", "PROGRESS"])
        for (status, value) in [
            (RunStatus.completed, counts.runsCompleted), (.running, counts.runsRunning), (.waitingRetry, counts.runsWaitingRetry),
            (.failed, counts.runsFailed), (.cancelled, counts.runsCancelled),
        ] {
            let colour: (String) -> String =
                switch status {
                case .completed: palette.green
                case .running: palette.blue
                case .waitingRetry: palette.yellow
                default: palette.red
                }
            runTable.append([palette.runStatus(status), "\(value)", Self.percent(value, of: runs), bar(value, of: runs, colour)])
        }
        lines += runTable.render(palette: palette)
        if !counts.steps.isEmpty {
            lines += ["", "Active runs per step:"]
            var steps = TextTable(headers: ["STEP", "IN PROGRESS", "OPEN", "AWAITING REVIEW", "FAILED"])
            for step in counts.steps {
                steps.append([
                    step.stepName, "\(step.inProgress)", "\(step.open)",
                    step.awaitingReview > 0 ? palette.yellow("\(step.awaitingReview)") : "0",
                    step.failed > 0 ? palette.red("\(step.failed)") : "0",
                ])
            }
            lines += steps.render(palette: palette)
        }
        return lines
    }

    /// `runs list`: one row per run.
    public func runs(_ runs: [Run]) -> [String] {
        guard !runs.isEmpty else { return ["No runs."] }
        var table = TextTable(headers: ["MIGRATION", "CANDIDATE", "STATUS", "STEP", "STEP STATUS", "UPDATED"])
        for run in runs {
            let step = Int(run.currentStep) < run.steps.count ? run.steps[Int(run.currentStep)].name : ""
            let result = step.isEmpty ? nil : Self.result(for: step, in: run)
            let stepStatus = step.isEmpty ? "" : palette.stepStatus(result?.status)
            table.append([
                run.migrationID, run.candidateID, palette.runStatus(run.status), step,
                run.stalledSinceUnixMs == 0 ? stepStatus : stepStatus + " " + palette.yellow("(stalled)"), formatTimestamp(run.updatedAtUnixMs),
            ])
        }
        return table.render(palette: palette)
    }

    /// `migrations recount`.
    public func recount(_ response: RecountMigrationResponse, migration: String) -> [String] {
        if response.drift.isEmpty {
            return ["Counts of \(migration) match the records." + (response.repaired ? " Indexes rebuilt." : "")]
        }
        return ["Counts of \(migration) drifted from the records:"] + response.drift.map { "  " + $0 }
            + [response.repaired ? "Repaired: counts and indexes rewritten from the records." : "Not repaired (use --repair)."]
    }
}
