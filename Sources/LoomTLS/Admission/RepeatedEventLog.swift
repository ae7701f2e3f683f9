import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Logs an event that a flood can repeat thousands of times a second — a refused connection, a rejected TLS
/// handshake, a failed accept — a bounded number of times.
///
/// Events are grouped by a reason (a short, bounded set of words such as `timeout` or `max_connections`). The first
/// event of a reason is logged in full, with its metadata. Later ones are only counted while they keep coming: at the
/// end of each interval, one summary line per reason carries how many there were (`count`) and the interval
/// (`seconds`). An interval without any closes the reason's window; the next event is logged in full again. So a
/// reason costs at most one line, plus one per interval while it repeats, however many events there are.
///
/// ```swift
/// let log = RepeatedEventLog(message: "TLS handshake rejected", interval: .seconds(60), logger: logger,
///                            eventLoop: group.any())
/// log.record(reason: "timeout", metadata: ["tls.peer_address": "\(address)"])
/// ```
public final class RepeatedEventLog: Sendable {
    private struct State {
        /// Events counted, not logged, in the current interval, per open reason.
        var suppressed: [String: Int] = [:]
        var flushScheduled = false
    }

    private let message: Logger.Message
    private let level: Logger.Level
    private let interval: TimeAmount
    private let logger: Logger
    private let eventLoop: any EventLoop
    private let state = NIOLockedValueBox(State())

    /// Creates a log.
    /// - Parameters:
    ///   - message: The message of both the full line and the summaries (summaries add `count` and `seconds`).
    ///   - level: The level of every line (default `notice`).
    ///   - interval: How long events are counted before a summary.
    ///   - logger: Where lines go.
    ///   - eventLoop: Runs the summary timer; events may be recorded from any thread.
    public init(
        message: Logger.Message,
        level: Logger.Level = .notice,
        interval: TimeAmount,
        logger: Logger,
        eventLoop: any EventLoop
    ) {
        precondition(interval > .zero, "the interval must be positive")
        self.message = message
        self.level = level
        self.interval = interval
        self.logger = logger
        self.eventLoop = eventLoop
    }

    /// Records one event: logs it in full if it is the first of its reason in the current window, otherwise counts it
    /// for the next summary.
    /// - Parameters:
    ///   - reason: The event's kind, from a small fixed set (it becomes the `reason` metadata of every line).
    ///   - metadata: The details of this one event; evaluated only when it is logged.
    public func record(reason: String, metadata: @autoclosure () -> Logger.Metadata = [:]) {
        let (logNow, scheduleFlush) = state.withLockedValue { state -> (Bool, Bool) in
            if let count = state.suppressed[reason] {
                state.suppressed[reason] = count + 1
                return (false, false)
            }
            state.suppressed[reason] = 0
            let schedule = !state.flushScheduled
            state.flushScheduled = true
            return (true, schedule)
        }
        if logNow {
            var details = metadata()
            details["reason"] = "\(reason)"
            logger.log(level: level, message, metadata: details)
        }
        if scheduleFlush { scheduleSummary() }
    }

    /// Logs the summaries of the interval in progress now and closes every window (when the listener stops, so that
    /// the counts of a flood reach the log).
    public func flushSummaries() {
        let summaries = state.withLockedValue { state -> [(String, Int)] in
            defer { state.suppressed = [:] }
            return state.suppressed.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        }
        logSummaries(summaries)
    }

    private func scheduleSummary() {
        eventLoop.scheduleTask(in: interval) { [self] in flush() }
    }

    /// Ends the current interval: logs one summary per reason that repeated, closes the windows of the reasons that
    /// did not, and starts another interval while any window is open.
    private func flush() {
        let (summaries, again) = state.withLockedValue { state -> ([(String, Int)], Bool) in
            let repeated = state.suppressed.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            state.suppressed = state.suppressed.filter { $0.value > 0 }.mapValues { _ in 0 }
            state.flushScheduled = !state.suppressed.isEmpty
            return (repeated, state.flushScheduled)
        }
        logSummaries(summaries)
        if again { scheduleSummary() }
    }

    private func logSummaries(_ summaries: [(String, Int)]) {
        let seconds = Double(interval.nanoseconds) / 1e9
        for (reason, count) in summaries {
            logger.log(
                level: level, message,
                metadata: ["reason": "\(reason)", "count": "\(count)", "seconds": "\(seconds)", "repeated": "true"])
        }
    }
}
