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
        switch mode {
        case .json:
            let line = JSONOutput.WatchUpdate(run: update.run.map(JSONOutput.run), entry: update.entry.map(JSONOutput.historyEntry))
            return JSONOutput.encode(line, compact: true) + "\n"
        case .plain:
            return plainLine(update) + "\n"
        case .live:
            var text = statusLineShown ? "\r\u{1B}[2K" : ""
            if let entry = update.entry {
                text += entryLine(entry) + "\n"
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
        var parts = [palette.dim(formatTimestamp(entry.atUnixMs)), entry.kind.cliName]
        if !entry.stepName.isEmpty { parts.append(entry.stepName) }
        if entry.attempt > 0 { parts.append("attempt \(entry.attempt)") }
        if entry.stepStatus != .unspecified { parts.append(palette.stepStatus(entry.stepStatus)) }
        if !entry.detail.isEmpty { parts.append(palette.dim(entry.detail)) }
        return parts.joined(separator: " ")
    }

    /// `TIME run=STATUS step=I/N NAME step_status=S attempt=A event=KIND detail="…"`
    func plainLine(_ update: RunUpdate) -> String {
        var parts: [String] = []
        let time = update.entry?.atUnixMs ?? update.run?.updatedAtUnixMs ?? 0
        if time > 0 { parts.append(formatTimestamp(time)) }
        if let run = update.run {
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
        if let entry = update.entry {
            parts.append("event=\(entry.kind.cliName)")
            if !entry.detail.isEmpty { parts.append("detail=\(quoted(entry.detail))") }
        }
        if let reason = update.run?.failureReason, !reason.isEmpty { parts.append("reason=\(quoted(reason))") }
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
