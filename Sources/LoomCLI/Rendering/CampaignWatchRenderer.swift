import LoomProto

/// Renders the updates of `campaign watch`.
///
/// - On a terminal (``WatchRenderer/Mode/live``): one status line redrawn in place — a progress bar of settled
///   members, the counts, the rate of settled members a minute and the time left at that rate — and a line for
///   each change of state.
/// - Otherwise (``WatchRenderer/Mode/plain``): one plain line per update, no escape sequences.
/// - With `--json` (``WatchRenderer/Mode/json``): one compact JSON campaign (``JSONOutput/Campaign``) per line.
public struct CampaignWatchRenderer: Sendable {
    /// The output mode.
    public let mode: WatchRenderer.Mode
    /// Colours (only used in live mode).
    public let palette: Palette
    private var statusLineShown = false
    private var lastState: CampaignState?
    /// The settled count and the time of the first update: the rate is measured from there.
    private var start: (settled: UInt64, seconds: Double)?

    /// Creates a renderer.
    public init(mode: WatchRenderer.Mode, palette: Palette) {
        self.mode = mode
        self.palette = mode == .live ? palette : .plain
    }

    /// The text to write for one update received at `seconds` (any monotonic clock, in seconds).
    public mutating func render(_ campaign: Campaign, at seconds: Double) -> String {
        let counts = campaign.counts ?? CampaignCounts()
        let settled = counts.total - counts.pending - counts.running
        if start == nil { start = (settled, seconds) }
        let progress = Self.progress(settled: settled, remaining: counts.pending + counts.running, since: start!, now: seconds)
        let stateChanged = lastState != campaign.state
        lastState = campaign.state
        switch mode {
        case .json:
            return JSONOutput.encode(JSONOutput.campaign(campaign), compact: true) + "\n"
        case .plain:
            return "\(campaign.id) \(campaign.state.cliName) " + Self.countsText(counts) + " · " + progress + "\n"
        case .live:
            var text = statusLineShown ? "\r\u{1B}[2K" : ""
            if stateChanged {
                let reason = campaign.stateReason.isEmpty ? "" : " — \(campaign.stateReason)"
                text += palette.bold("Campaign \(campaign.id)") + " " + TableRenderer(palette: palette).campaignState(campaign.state) + reason + "\n"
            }
            let bar = TableRenderer(palette: palette).bar(settled, of: counts.total, palette.green)
            text += "[\(bar)] \(settled)/\(counts.total) · " + Self.countsText(counts) + " · " + progress
            statusLineShown = true
            return text
        }
    }

    /// Ends the status line (live mode).
    public mutating func finish() -> String {
        guard mode == .live, statusLineShown else { return "" }
        statusLineShown = false
        return "\n"
    }

    /// `running 2 · pending 3 · completed 4 · failed 1 · skipped 0 · cancelled 0`
    static func countsText(_ counts: CampaignCounts) -> String {
        "running \(counts.running) · pending \(counts.pending) · completed \(counts.completed) · failed \(counts.failed)"
            + " · skipped \(counts.skipped) · cancelled \(counts.cancelled)"
    }

    /// `12.0/min · ETA 4m10s`: members settled a minute since the first update, and the time the rest take at that
    /// rate (`-` until one settled).
    static func progress(settled: UInt64, remaining: UInt64, since start: (settled: UInt64, seconds: Double), now: Double) -> String {
        let elapsed = now - start.seconds
        let done = settled >= start.settled ? settled - start.settled : 0
        guard elapsed > 0, done > 0 else { return "-/min · ETA -" }
        let perSecond = Double(done) / elapsed
        let rate = ((perSecond * 600).rounded() / 10)
        guard remaining > 0 else { return "\(rate)/min · ETA 0s" }
        return "\(rate)/min · ETA " + duration(Double(remaining) / perSecond)
    }

    /// `1h02m`, `4m10s`, `45s`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(min(seconds, 359_999).rounded(.up))
        let (hours, minutes, secs) = (total / 3600, total % 3600 / 60, total % 60)
        if hours > 0 { return "\(hours)h" + (minutes < 10 ? "0" : "") + "\(minutes)m" }
        if minutes > 0 { return "\(minutes)m" + (secs < 10 ? "0" : "") + "\(secs)s" }
        return "\(secs)s"
    }
}
