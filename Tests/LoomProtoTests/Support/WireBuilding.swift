import CLoomProto
@testable import LoomProto

#if canImport(Glibc)
import Glibc
#endif

/// Protobuf wire bytes built by hand, for inputs no encoder writes.
enum Wire {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    /// Field `number` with wire type 2 (a string, bytes or a message).
    static func field(_ number: Int, _ payload: [UInt8]) -> [UInt8] {
        varint(UInt64(number) << 3 | 2) + varint(UInt64(payload.count)) + payload
    }

    static func field(_ number: Int, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }

    /// Field `number` with wire type 0 (a varint).
    static func varintField(_ number: Int, _ value: UInt64) -> [UInt8] {
        varint(UInt64(number) << 3) + varint(value)
    }

    /// `count` empty occurrences of the length-delimited field `number`.
    static func empties(_ number: Int, count: Int) -> [UInt8] {
        let one = field(number, [UInt8]())
        var bytes: [UInt8] = []
        bytes.reserveCapacity(one.count * count)
        for _ in 0..<count { bytes.append(contentsOf: one) }
        return bytes
    }

    /// `count` unknown fields: field `number` as the varint 0.
    static func unknowns(_ number: Int, count: Int) -> [UInt8] {
        let one = varintField(number, 0)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(one.count * count)
        for _ in 0..<count { bytes.append(contentsOf: one) }
        return bytes
    }
}

/// The three requests of issue #16 (item 4): 4 MB each, cheap to send, hundreds of MB to decode.
enum AmplificationRequests {
    static let count = 2_000_000

    /// GetRun (any viewer may call it) with 2 M unknown fields.
    static func getRun() -> [UInt8] {
        Wire.field(1, "m") + Wire.field(2, "c") + Wire.unknowns(3, count: count)
    }

    /// DryRun whose candidate has 2 M empty file groups.
    static func dryRun() -> [UInt8] {
        Wire.field(1, "m") + Wire.field(2, "c") + Wire.field(4, Wire.field(1, "c") + Wire.empties(4, count: count))
    }

    /// Announce of a migration with 2 M empty candidates.
    static func announce() -> [UInt8] {
        Wire.field(1, Wire.field(1, "m") + Wire.empties(6, count: count))
    }
}

/// The heap malloc hands out for a request of `size` bytes (glibc's rounding, as the scan models it).
func mallocChunk(_ size: Int) -> Int {
    max(32, (size + 8 + 15) & ~15)
}

/// What protobuf-c allocates to unpack `bytes` as `M` (each block as malloc rounds it, summed), or nil when it
/// refuses them. Unpacks with a counting allocator, then frees.
func protobufCAllocations<M: LoomMessage>(_: M.Type, _ bytes: [UInt8]) -> Int? {
    let count = AllocationCount()
    var allocator = ProtobufCAllocator(
        alloc: { data, size in
            Unmanaged<AllocationCount>.fromOpaque(data!).takeUnretainedValue().bytes += mallocChunk(size)
            return malloc(size)
        },
        free: { _, pointer in free(pointer) },
        allocator_data: Unmanaged.passUnretained(count).toOpaque()
    )
    var descriptor = M._codec.descriptor
    let message = bytes.withUnsafeBufferPointer { buffer in
        protobuf_c_message_unpack(&descriptor, &allocator, buffer.count, buffer.baseAddress)
    }
    guard let message else { return nil }
    protobuf_c_message_free_unpacked(message, &allocator)
    return withExtendedLifetime(count) { count.bytes }
}

private final class AllocationCount {
    var bytes = 0
}

/// The resident set size of this process, in bytes (`VmRSS` of /proc/self/status).
func residentBytes() -> Int {
    guard let status = try? readFile("/proc/self/status") else { return 0 }
    let line = String(decoding: status, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
    let kilobytes = line?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return kilobytes * 1024
}
