import Foundation
import LoomCore
import NIOConcurrencyHelpers

/// Caps the Server-Sent Event streams open at once: each holds a watch on the service.
public final class EventStreamLimiter: Sendable {
    private let open = NIOLockedValueBox(0)
    /// The most streams open at once.
    public let limit: Int

    /// Creates a limiter for `limit` streams.
    public init(limit: Int) {
        self.limit = limit
    }

    /// Streams open now.
    public var openStreams: Int { open.withLockedValue { $0 } }

    /// Takes a place, or returns `false` when all `limit` are taken.
    func acquire() -> Bool {
        open.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Gives a place back.
    func release() {
        open.withLockedValue { $0 = max(0, $0 - 1) }
    }
}

/// Turns the service's watches into Server-Sent Events.
///
/// Each event is `event: <name>` with one line of JSON data. The page's script takes any of them as
/// "something changed" and refreshes the page's content in place; the data lets it say what.
enum EventStreams {
    /// `run` events from ``Service/watchRun(migrationId:candidateId:fromVersion:pollInterval:scope:)``.
    static func run(_ updates: AsyncThrowingStream<RunUpdate, any Error>) -> AsyncThrowingStream<String, any Error> {
        map(updates) { update in
            event("run", [
                "status": update.run.status.rawValue,
                "version": Int(clamping: update.run.version),
                "step": update.run.currentStepDefinition?.name ?? "",
                "stepStatus": update.run.currentResult?.status.rawValue ?? "",
                "entries": update.entries.count,
                "finished": update.run.status.isFinished,
            ])
        }
    }

    /// `migration` events from ``Service/watchMigration(id:pollInterval:scope:)``.
    static func migration(_ updates: AsyncThrowingStream<MigrationUpdate, any Error>) -> AsyncThrowingStream<String, any Error> {
        map(updates) { update in
            event("migration", [
                "runs": update.runs.count,
                "needingAttention": Int(clamping: update.counts.needingAttention),
                "truncated": update.truncated,
            ])
        }
    }

    /// `fleet` events: the page of migrations read every `interval`, one event each time their counts
    /// changed (the first is the state at opening). The fleet has no watch of its own; a page of
    /// migrations with their counts is one cheap read.
    static func fleet(
        every interval: Duration, read: @escaping @Sendable () async throws -> MigrationPage
    ) -> AsyncThrowingStream<String, any Error> {
        let updates = AsyncThrowingStream<MigrationPage, any Error>(unfolding: FleetPoller(interval: interval, read: read).next)
        return map(updates) { page in
            event("fleet", [
                "migrations": page.migrations.count,
                "needingAttention": Int(clamping: page.migrations.reduce(0) { $0 + ($1.counts?.needingAttention ?? 0) }),
            ])
        }
    }

    /// `retry: 3000` first (how long the browser waits before reconnecting), then each update.
    private static func map<T: Sendable>(
        _ updates: AsyncThrowingStream<T, any Error>, _ render: @escaping @Sendable (T) -> String
    ) -> AsyncThrowingStream<String, any Error> {
        let (stream, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let task = Task {
            continuation.yield("retry: 3000\n\n")
            do {
                for try await update in updates { continuation.yield(render(update)) }
                continuation.yield(event("end", ["finished": true]))
                continuation.finish()
            } catch {
                continuation.yield(event("error", ["message": "the watch ended"]))
                continuation.finish()
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// One event: `event: name\ndata: {json}\n\n`.
    static func event(_ name: String, _ data: [String: Any]) -> String {
        let json = (try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: \(name)\ndata: \(json)\n\n"
    }
}

/// Reads the fleet's page until its counts differ from the last sent (the first read is sent at once).
private final class FleetPoller: Sendable {
    let interval: Duration
    let read: @Sendable () async throws -> MigrationPage
    private let last = NIOLockedValueBox<[String: MigrationCounts?]?>(nil)

    init(interval: Duration, read: @escaping @Sendable () async throws -> MigrationPage) {
        self.interval = interval
        self.read = read
    }

    @Sendable func next() async throws -> MigrationPage? {
        if last.withLockedValue({ $0 }) != nil { try await Task.sleep(for: interval) }
        while !Task.isCancelled {
            let page = try await read()
            let counts = Dictionary(page.migrations.map { ($0.id, $0.counts) }, uniquingKeysWith: { first, _ in first })
            let changed = last.withLockedValue { previous in
                defer { previous = counts }
                return previous != counts
            }
            if changed { return page }
            try await Task.sleep(for: interval)
        }
        return nil
    }
}
