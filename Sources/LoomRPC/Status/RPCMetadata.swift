/// Key/value pairs sent with a call (CALL_START) or its status trailer (STATUS).
///
/// Keys are ASCII and case-insensitive; they are stored and sent lowercased. Values are UTF-8 strings. A key may
/// appear more than once; order is preserved. Keys starting with `loom-` are reserved for the protocol.
public struct RPCMetadata: Hashable, Sendable, ExpressibleByDictionaryLiteral, Sequence {
    /// One key/value pair.
    public struct Entry: Hashable, Sendable {
        /// The lowercased key.
        public var key: String
        /// The value.
        public var value: String
    }

    private var entries: [Entry]

    /// Creates empty metadata.
    public init() { entries = [] }

    /// Creates metadata from literal pairs, e.g. `["x-request-id": "42"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        entries = elements.map { Entry(key: $0.0.lowercased(), value: $0.1) }
    }

    /// Appends a value for a key (keys are lowercased).
    public mutating func add(_ value: String, forKey key: String) {
        entries.append(Entry(key: key.lowercased(), value: value))
    }

    /// The first value for a key, or `nil`.
    public subscript(key: String) -> String? {
        let key = key.lowercased()
        return entries.first { $0.key == key }?.value
    }

    /// All values for a key, in order.
    public func values(forKey key: String) -> [String] {
        let key = key.lowercased()
        return entries.filter { $0.key == key }.map(\.value)
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// Whether there are no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// Iterates over the entries in order.
    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
