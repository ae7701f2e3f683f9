import CProtobufC

/// Owns every C allocation made to convert one message to its protobuf-c structs for
/// packing: structs, pointer arrays and NUL-terminated strings are carved out of a few
/// large blocks, which are all released when the arena is.
///
/// One arena serves one ``LoomMessage/encode(_:)`` call on one thread.
final class LoweringArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private var nextBlockSize = 4096

    private static let maxBlockSize = 1 << 20

    init() {}

    deinit {
        for block in blocks { block.deallocate() }
    }

    /// Uninitialised memory valid until the arena is released.
    func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        if let cursor {
            let aligned = cursor.alignedUp(toMultipleOf: alignment)
            let needed = (aligned - cursor) + byteCount
            if needed <= remaining {
                self.cursor = aligned + byteCount
                remaining -= needed
                return aligned
            }
        }
        // A large request gets a block of its own, leaving the current block in use.
        if byteCount > nextBlockSize / 2 {
            let block = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: max(alignment, 16))
            blocks.append(block)
            return block
        }
        let size = nextBlockSize
        nextBlockSize = min(nextBlockSize * 2, Self.maxBlockSize)
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        blocks.append(block)
        let aligned = block.alignedUp(toMultipleOf: alignment)
        cursor = aligned + byteCount
        remaining = size - (aligned - block) - byteCount
        return aligned
    }

    /// A protobuf-c message struct, initialised by its generated `*__init` function.
    func message<CStruct>(_ initialize: (UnsafeMutablePointer<CStruct>?) -> Void) -> UnsafeMutablePointer<CStruct> {
        let memory = allocate(byteCount: MemoryLayout<CStruct>.size, alignment: MemoryLayout<CStruct>.alignment)
        let message = memory.bindMemory(to: CStruct.self, capacity: 1)
        initialize(message)
        return message
    }

    /// A NUL-terminated copy of `string`; protobuf-c's shared empty string when it is empty
    /// (an empty proto3 string is not encoded).
    func string(_ string: String) -> UnsafeMutablePointer<CChar> {
        if string.isEmpty { return loom_pbc_empty_string() }
        var string = string
        return string.withUTF8 { utf8 in
            let memory = allocate(byteCount: utf8.count + 1, alignment: 1)
            memory.copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)  // non-empty: has a base
            memory.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return memory.bindMemory(to: CChar.self, capacity: utf8.count + 1)
        }
    }

    /// A C array of `values.count` pointers, or `(0, nil)` when there are none.
    private func pointerArray<Element>(count: Int) -> UnsafeMutablePointer<UnsafeMutablePointer<Element>?> {
        let stride = MemoryLayout<UnsafeMutablePointer<Element>?>.stride
        let memory = allocate(byteCount: stride * count, alignment: MemoryLayout<UnsafeMutablePointer<Element>?>.alignment)
        return memory.bindMemory(to: UnsafeMutablePointer<Element>?.self, capacity: count)
    }

    /// A repeated message field: the count and the array of converted elements.
    func repeated<Value, CStruct>(
        _ values: [Value],
        _ lower: (Value) -> UnsafeMutablePointer<CStruct>
    ) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CStruct>?>?) {
        guard !values.isEmpty else { return (0, nil) }
        let array: UnsafeMutablePointer<UnsafeMutablePointer<CStruct>?> = pointerArray(count: values.count)
        for (index, value) in values.enumerated() {
            (array + index).initialize(to: lower(value))
        }
        return (values.count, array)
    }

    /// A repeated string field.
    func strings(_ values: [String]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        repeated(values) { string($0) }
    }

    /// A `map<string, string>` field, as entries in key order (deterministic bytes).
    func map<Entry: CStringMapEntry>(
        _ values: [String: String],
        as entryType: Entry.Type
    ) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>?) {
        guard !values.isEmpty else { return (0, nil) }
        let entries = values.count == 1 ? Array(values) : values.sorted { $0.key < $1.key }
        return repeated(entries) { pair in
            let entry = message(Entry.initialize)
            entry.pointee.key = string(pair.key)
            entry.pointee.value = string(pair.value)
            return entry
        }
    }
}

/// The generated struct of a `map<string, string>` entry.
protocol CStringMapEntry {
    /// Runs the entry's generated `*__init`.
    static func initialize(_ entry: UnsafeMutablePointer<Self>?)
    /// The entry's key, a NUL-terminated string.
    var key: UnsafeMutablePointer<CChar>! { get set }
    /// The entry's value, a NUL-terminated string.
    var value: UnsafeMutablePointer<CChar>! { get set }
}
