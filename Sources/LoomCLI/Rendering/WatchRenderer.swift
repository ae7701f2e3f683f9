import LoomProto

/// Renders the updates of `run watch`.
///
/// - On a terminal (``Mode/live``): each transition is printed as a line, and a status line at the bottom — a
///   progress bar of completed steps, the current step and statuses — is redrawn in place.
/// - Otherwise (``Mode/plain``): exactly one line per update, no escape sequences.
/// - With `--json` (``Mode/json``): one compact JSON object per update (``JSONOutput/WatchUpdate``).
public struct WatchRenderer: Sendable {
    /// How updates are shown.
    public enum Mode: Sendable, Hashable {
        /// Progress bar redrawn in place, colours (a terminal).
        case live
        /// One plain line per update.
        case plain
        /// One JSON object per line.
        case json
    }

    /// The output mode.
    public let mode: Mode
    /// Colours (only used in ``Mode/live``).
    public let palette: Palette
    /// Width of the progress bar, in cells.
    public var barWidth = 24
    private var statusLineShown = false

    /// Creates a renderer.
    public init(mode: Mode, palette: Palette) {
        self.mode = mode
        self.palette = mode == .live ? palette : .plain
    }

    /// The text to write for one update (newlines and, in live mode, escape sequences included).
    public mutating func render(_ update: RunUpdate) -> String {
        // A server older than `entries` sends only the newest entry.
        let entries = update.entries.isEmpty ? (update.entry.map { [$0] } ?? []) : update.entries
        switch mode {
        case .json:
            let line = JSONOutput.WatchUpdate(
                run: update.run.map(JSONOutput.run), entry: entries.last.map(JSONOutput.historyEntry),
                entries: entries.map(JSONOutput.historyEntry))
            return JSONOutput.encode(line, compact: true) + "\n"
        case .plain:
            // One line per transition (each exactly once), or the state when there is none.
            guard !entries.isEmpty else { return plainLine(update.run, entry: nil) + "\n" }
            return entries.enumerated().map { index, entry in
                plainLine(index == entries.count - 1 ? update.run : nil, entry: entry) + "\n"
            }.joined()
        case .live:
            var text = statusLineShown ? "\r\u{1B}[2K" : ""
            if !entries.isEmpty {
                for entry in entries { text += entryLine(entry) + "\n" }
            } else if let run = update.run, !statusLineShown {
                text += palette.bold("Watching run \(run.id)") + "\n"
            }
            if let run = update.run {
                text += statusLine(run)
                statusLineShown = true
            } else {
                statusLineShown = false
            }
            return text
        }
    }

    /// The text to write once the stream has ended: in live mode, ends the status line.
    public mutating func finish() -> String {
        guard mode == .live, statusLineShown else { return "" }
        statusLineShown = false
        return "\n"
    }

    /// The number of steps of `run` that succeeded.
    static func completedSteps(_ run: Run) -> Int {
        run.steps.filter { step in TableRenderer.result(for: step.name, in: run)?.status.isSuccess == true }.count
    }

    /// `[██████░░░░░░] 2/4 deploy · in_progress · running`
    func statusLine(_ run: Run) -> String {
        let total = run.steps.count
        let done = Self.completedSteps(run)
        let filled = total == 0 ? barWidth : min(barWidth, done * barWidth / total)
        let bar = palette.green(String(repeating: "█", count: filled)) + palette.dim(String(repeating: "░", count: barWidth - filled))
        var parts = ["[\(bar)] \(done)/\(total)"]
        if Int(run.currentStep) < total {
            let step = run.steps[Int(run.currentStep)]
            let result = TableRenderer.result(for: step.name, in: run)
            parts.append("\(step.name) · \(palette.stepStatus(result?.status))")
        }
        parts.append(palette.runStatus(run.status))
        if !run.failureReason.isEmpty { parts.append(palette.red(run.failureReason)) }
        return parts.joined(separator: " · ")
    }

    /// One permanent line for a transition.
    func entryLine(_ entry: HistoryEntry) -> String {
        var parts = entry.atUnixMs > 0 ? [palette.dim(formatTimestamp(entry.atUnixMs))] : []
        parts.append(entry.kind.cliName)
        if !entry.stepName.isEmpty { parts.append(entry.stepName) }
        if entry.attempt > 0 { parts.append("attempt \(entry.attempt)") }
        if entry.stepStatus != .unspecified { parts.append(palette.stepStatus(entry.stepStatus)) }
        if !entry.detail.isEmpty { parts.append(palette.dim(entry.detail)) }
        return parts.joined(separator: " ")
    }

    /// `TIME run=STATUS step=I/N NAME step_status=S attempt=A event=KIND detail="…"`: the run's
    /// state (after the last transition of an update), or the transition's own fields.
    func plainLine(_ run: Run?, entry: HistoryEntry?) -> String {
        var parts: [String] = []
        let time = entry?.atUnixMs ?? run?.updatedAtUnixMs ?? 0
        if time > 0 { parts.append(formatTimestamp(time)) }
        if let entry, run == nil {
            parts.append("run=\(entry.runStatus.cliName)")
            if !entry.stepName.isEmpty { parts.append("step=\(entry.stepName)") }
            if entry.stepStatus != .unspecified { parts.append("step_status=\(entry.stepStatus.cliName)") }
            if entry.attempt > 0 { parts.append("attempt=\(entry.attempt)") }
        }
        if let run {
            parts.append("run=\(run.status.cliName)")
            let total = run.steps.count
            parts.append("done=\(Self.completedSteps(run))/\(total)")
            if Int(run.currentStep) < total {
                let step = run.steps[Int(run.currentStep)]
                parts.append("step=\(step.name)")
                if let result = TableRenderer.result(for: step.name, in: run) {
                    parts.append("step_status=\(result.status.cliName)")
                    parts.append("attempt=\(result.attempt)")
                }
            }
        }
        if let entry {
            parts.append("event=\(entry.kind.cliName)")
            if !entry.detail.isEmpty { parts.append("detail=\(quoted(entry.detail))") }
        }
        if let reason = run?.failureReason, !reason.isEmpty { parts.append("reason=\(quoted(reason))") }
        return parts.joined(separator: " ")
    }

    private func quoted(_ text: String) -> String {
        var escaped = "\""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.append(character)
            }
        }
        return escaped + "\""
    }
}
