import Foundation
import Logging

/// Collects log records so tests can check what was logged, at which level and how often.
public final class CapturedLogs: @unchecked Sendable {
    /// One log record.
    public struct Entry: Sendable {
        /// The record's level.
        public var level: Logger.Level
        /// The message, rendered.
        public var message: String
        /// Logger and record metadata, merged and rendered.
        public var metadata: [String: String]
    }

    private let lock = NSLock()
    private var storage: [Entry] = []
    private var waiters: [(predicate: @Sendable ([Entry]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

    /// Creates an empty capture.
    public init() {}

    /// A logger whose records land in this capture (level `trace` and above).
    public func logger(label: String = "loom.test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Every record so far, in order.
    public var entries: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    /// Records whose message is exactly `message`.
    public func entries(_ message: String) -> [Entry] {
        entries.filter { $0.message == message }
    }

    /// Records at `notice` or above whose message is exactly `message`.
    public func notices(_ message: String) -> [Entry] {
        entries.filter { $0.level >= .notice && $0.message == message }
    }

    /// Returns once the records so far satisfy `predicate` (an explicit signal: the code under
    /// test logged what the test waits for).
    public func wait(until predicate: @escaping @Sendable ([Entry]) -> Bool) async {
        await withCheckedContinuation { continuation in
            lock.lock()
            let ready = predicate(storage)
            if !ready { waiters.append((predicate, continuation)) }
            lock.unlock()
            if ready { continuation.resume() }
        }
    }

    fileprivate func append(_ entry: Entry) {
        lock.lock()
        storage.append(entry)
        let satisfied = waiters.filter { $0.predicate(storage) }.map(\.continuation)
        waiters.removeAll { $0.predicate(storage) }
        lock.unlock()
        for continuation in satisfied { continuation.resume() }
    }

    private struct Handler: LogHandler {
        let capture: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { $1 } }
            capture.append(
                Entry(level: event.level, message: event.message.description, metadata: merged.mapValues { $0.description }))
        }
    }
}
