import Logging
import LoomTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import LoomTLS

@Suite("Repeated event log (manual clock)")
struct RepeatedEventLogTests {
    static func counts(_ entries: [CapturedLogs.Entry]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for entry in entries {
            let reason = entry.metadata["reason"] ?? "?"
            counts[reason, default: 0] += entry.metadata["count"].flatMap { Int($0) } ?? 1
        }
        return counts
    }

    @Test("20,000 events of one reason: the first in full, then one summary per interval with the count")
    func flood() {
        let logs = CapturedLogs()
        let loop = EmbeddedEventLoop()
        let log = RepeatedEventLog(message: "TLS handshake rejected", interval: .seconds(60), logger: logs.logger(), eventLoop: loop)
        for index in 0..<20_000 {
            log.record(reason: "timeout", metadata: ["peer": "10.0.0.\(index % 250)"])
        }
        for _ in 0..<5 { log.record(reason: "not_tls") }
        #expect(logs.entries.count == 2, "one line per reason so far")
        #expect(logs.entries.first?.metadata["peer"] == "10.0.0.0", "the first event is logged with its details")
        #expect(logs.entries.allSatisfy { $0.level == .notice && $0.message == "TLS handshake rejected" })

        loop.advanceTime(by: .seconds(59))
        #expect(logs.entries.count == 2, "nothing before the interval ends")
        loop.advanceTime(by: .seconds(1))
        let summaries = logs.entries.dropFirst(2)
        #expect(summaries.count == 2)
        #expect(Self.counts(Array(summaries)) == ["timeout": 19_999, "not_tls": 4])
        #expect(Self.counts(logs.entries) == ["timeout": 20_000, "not_tls": 5], "every event is counted once")
        #expect(summaries.allSatisfy { $0.metadata["seconds"] == "60.0" && $0.metadata["repeated"] == "true" })
    }

    @Test("when the listener stops, the counts not yet summarised are logged at once, and only once")
    func flushAtStop() {
        let logs = CapturedLogs()
        let loop = EmbeddedEventLoop()
        let log = RepeatedEventLog(message: "connection refused", interval: .seconds(60), logger: logs.logger(), eventLoop: loop)
        for _ in 0..<10 { log.record(reason: "max_handshakes") }
        log.flushSummaries()
        #expect(Self.counts(logs.entries) == ["max_handshakes": 10])
        #expect(logs.entries.count == 2)
        loop.advanceTime(by: .seconds(120))
        #expect(logs.entries.count == 2, "the pending timer finds nothing left to report")
    }

    @Test("a reason that stops repeating closes its window; its next event is logged in full again")
    func windowCloses() {
        let logs = CapturedLogs()
        let loop = EmbeddedEventLoop()
        let log = RepeatedEventLog(message: "connection refused", level: .warning, interval: .seconds(10), logger: logs.logger(), eventLoop: loop)
        log.record(reason: "max_connections", metadata: ["peer": "a"])
        loop.advanceTime(by: .seconds(10))
        #expect(logs.entries.count == 1, "no summary for an interval without repeats")
        loop.advanceTime(by: .seconds(100))
        log.record(reason: "max_connections", metadata: ["peer": "b"])
        #expect(logs.entries.map { $0.metadata["peer"] } == ["a", "b"])
        #expect(logs.entries.allSatisfy { $0.level == .warning })
        // An ongoing flood: one summary per interval, however long it lasts.
        for interval in 0..<3 {
            for _ in 0..<100 { log.record(reason: "max_connections") }
            loop.advanceTime(by: .seconds(10))
            #expect(logs.entries.count == 3 + interval)
        }
        loop.advanceTime(by: .seconds(10))
        loop.advanceTime(by: .seconds(10))
        #expect(logs.entries.count == 5)
        #expect(Self.counts(logs.entries) == ["max_connections": 302])
    }
}
