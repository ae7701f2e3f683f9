import NIOCore

extension ByteBuffer {
    /// Appends one encoded frame (header and payload) and returns the number of bytes written.
    ///
    /// Strings longer than 65,535 UTF-8 bytes and metadata with more than 65,535 entries are truncated to fit
    /// their UInt16 length prefixes; callers validate sizes before encoding (see ``RPCMetadata``).
    @discardableResult
    mutating func writeRPCFrame(_ frame: RPCFrame) -> Int {
        let start = writerIndex
        let callID: UInt32
        switch frame {
        case .callStart(let start): callID = start.callID
        case .message(let id, _), .status(let id, _, _), .cancel(let id): callID = id
        case .ping, .pong, .goAway: callID = 0
        }
        // Header with a length placeholder, patched once the payload is written.
        writeInteger(UInt32(0))
        writeInteger(frame.type.rawValue)
        writeInteger(UInt8(0))
        writeInteger(callID)
        let payloadStart = writerIndex
        switch frame {
        case .callStart(let start):
            // Rounded up to whole microseconds (at least 1: 0 means no deadline), without overflowing near Int64.max.
            let micros: UInt64 = start.timeout.map { timeout in
                let nanoseconds = timeout.nanoseconds
                return UInt64(max(1, nanoseconds / 1000 + (nanoseconds % 1000 > 0 ? 1 : 0)))
            } ?? 0
            writeInteger(micros)
            writeLengthPrefixedString(start.method)
            writeRPCMetadata(start.metadata)
        case .message(_, var message):
            writeBuffer(&message)
        case .status(_, let status, let metadata):
            writeInteger(UInt8(status.code.rawValue))
            writeLengthPrefixedString(status.message)
            writeRPCMetadata(metadata)
        case .cancel:
            break
        case .ping(let opaque), .pong(let opaque):
            writeInteger(opaque)
        case .goAway(let goAway):
            writeInteger(goAway.lastCallID)
            writeInteger(goAway.reason.rawValue)
            writeLengthPrefixedString(goAway.message)
        }
        setInteger(UInt32(writerIndex - payloadStart), at: start)
        return writerIndex - start
    }

    private mutating func writeLengthPrefixedString(_ string: String) {
        var utf8 = Substring(string).utf8
        if utf8.count > Int(UInt16.max) {
            // Cut on a scalar boundary so the receiver still sees valid UTF-8.
            var end = utf8.index(utf8.startIndex, offsetBy: Int(UInt16.max))
            while end > utf8.startIndex, !string.unicodeScalars.indices.contains(end) { end = utf8.index(before: end) }
            utf8 = utf8[utf8.startIndex..<end]
        }
        writeInteger(UInt16(utf8.count))
        writeBytes(utf8)
    }

    private mutating func writeRPCMetadata(_ metadata: RPCMetadata) {
        let entries = Array(metadata.prefix(Int(UInt16.max)))
        writeInteger(UInt16(entries.count))
        for entry in entries {
            writeLengthPrefixedString(entry.key)
            writeLengthPrefixedString(entry.value)
        }
    }
}
