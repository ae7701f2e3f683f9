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

    fileprivate func append(_ entry: Entry) {
        lock.lock()
        storage.append(entry)
        lock.unlock()
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
