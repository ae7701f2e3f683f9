/// A point in wall-clock time: milliseconds since the Unix epoch, UTC.
///
/// Loom stores and exchanges times as epoch milliseconds (the `*_unix_ms` fields of the
/// contract); this type keeps that unit explicit. It is `Codable` as a bare integer.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var unixMilliseconds: Int64

    /// Creates a timestamp from epoch milliseconds.
    public init(unixMilliseconds: Int64) {
        self.unixMilliseconds = unixMilliseconds
    }

    /// The epoch itself (used as "unset" by the wire format).
    public static let epoch = Timestamp(unixMilliseconds: 0)

    /// Orders timestamps chronologically.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.unixMilliseconds < rhs.unixMilliseconds
    }

    /// The timestamp `duration` later (saturating; sub-millisecond parts are truncated).
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        let (result, overflow) = lhs.unixMilliseconds.addingReportingOverflow(rhs.wholeMilliseconds)
        return Timestamp(unixMilliseconds: overflow ? Int64.max : result)
    }

    /// The duration from `rhs` to `lhs` (negative if `lhs` is earlier).
    /// The time `rhs` before `lhs` (whole milliseconds).
    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        lhs + (.zero - rhs)
    }

    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        .milliseconds(lhs.unixMilliseconds - rhs.unixMilliseconds)
    }

    /// Decodes from a bare integer of epoch milliseconds.
    public init(from decoder: any Decoder) throws {
        self.unixMilliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes as a bare integer of epoch milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(unixMilliseconds)
    }

    /// The epoch milliseconds, as text.
    public var description: String { "\(unixMilliseconds)ms" }
}

extension Duration {
    /// The duration in whole milliseconds (truncated toward zero, saturating).
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? Int64.min : Int64.max }
        return ms + attoseconds / 1_000_000_000_000_000
    }
}
