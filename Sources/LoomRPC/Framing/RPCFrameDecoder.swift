import NIOCore

/// Decodes bytes into ``RPCFrame``s.
///
/// The steps follow grpc-swift-nio-transport's `GRPCMessageDecoder`:
/// 1. Return `nil` until the 10-byte header is buffered.
/// 2. Reject an unknown frame type, and a declared length over the limit for its type, *before* buffering the
///    payload: a hostile peer cannot make us hold more than one frame's limit.
/// 3. Return `nil` (reader index untouched) until the whole payload is buffered.
/// 4. Parse the payload; a payload that does not match its type's layout is a protocol error.
///
/// The decoder is stateless between frames: call-level rules (call id reuse, unknown calls) belong to the
/// connection state machines.
struct RPCFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RPCFrame

    /// The largest MESSAGE payload accepted.
    let maxMessageSize: Int

    init(maxMessageSize: Int = RPCFrame.defaultMaxMessageSize) {
        precondition(maxMessageSize >= 0, "maxMessageSize must not be negative")
        self.maxMessageSize = maxMessageSize
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> RPCFrame? {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= RPCFrame.headerSize,
            // Safe: the guard above checked that the whole 10-byte header is readable.
            let length = buffer.getInteger(at: start, as: UInt32.self),
            let typeByte = buffer.getInteger(at: start + 4, as: UInt8.self),
            let flags = buffer.getInteger(at: start + 5, as: UInt8.self),
            let callID = buffer.getInteger(at: start + 6, as: UInt32.self)
        else {
            return nil
        }
        guard let type = RPCFrame.FrameType(rawValue: typeByte) else {
            throw RPCProtocolError.unknownFrameType(typeByte)
        }
        let limit = type == .message ? maxMessageSize : RPCFrame.maxControlFrameSize
        guard Int(length) <= limit else {
            throw RPCProtocolError.frameTooLarge(type: typeByte, size: Int(length), limit: limit)
        }
        guard buffer.readableBytes - RPCFrame.headerSize >= Int(length) else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: RPCFrame.headerSize)
        // Safe: the guard above checked that `length` bytes follow the header.
        let payload = buffer.readSlice(length: Int(length))!
        return try Self.parse(type: type, flags: flags, callID: callID, payload: payload)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RPCFrame? {
        if let frame = try decode(buffer: &buffer) { return frame }
        if buffer.readableBytes > 0 {
            let buffered = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: buffered)
            throw RPCProtocolError.truncatedFrame(bufferedBytes: buffered)
        }
        return nil
    }

    // Flags are reserved: receivers ignore bits they do not know (see the spec), so `flags` is unused today.
    static func parse(type: RPCFrame.FrameType, flags _: UInt8, callID: UInt32, payload: ByteBuffer) throws -> RPCFrame {
        var payload = payload
        let typeByte = type.rawValue
        func malformed(_ reason: String) -> RPCProtocolError { .malformedFrame(type: typeByte, reason: reason) }
        switch type {
        case .callStart, .message, .status, .cancel:
            guard callID != 0 else { throw RPCProtocolError.invalidCallID(0, reason: "call frames need a non-zero id") }
        case .ping, .pong, .goAway:
            guard callID == 0 else {
                throw RPCProtocolError.invalidCallID(callID, reason: "connection frames must carry call id 0")
            }
        }
        switch type {
        case .callStart:
            guard let timeoutMicros = payload.readInteger(as: UInt64.self) else { throw malformed("missing timeout") }
            guard let method = payload.readLengthPrefixedString() else { throw malformed("bad method name") }
            guard !method.isEmpty else { throw malformed("empty method name") }
            let metadata = try payload.readRPCMetadata(orThrow: malformed("bad metadata block"))
            guard payload.readableBytes == 0 else { throw malformed("trailing bytes") }
            let timeout: TimeAmount? =
                timeoutMicros == 0 ? nil : .microseconds(Int64(clamping: min(timeoutMicros, UInt64(Int64.max / 1000))))
            return .callStart(.init(callID: callID, method: method, timeout: timeout, metadata: metadata))
        case .message:
            return .message(callID: callID, payload)
        case .status:
            guard let code = payload.readInteger(as: UInt8.self) else { throw malformed("missing code") }
            guard let message = payload.readLengthPrefixedString() else { throw malformed("bad status message") }
            let metadata = try payload.readRPCMetadata(orThrow: malformed("bad metadata block"))
            guard payload.readableBytes == 0 else { throw malformed("trailing bytes") }
            // A code this implementation does not know is reported as UNKNOWN, as gRPC clients do.
            let statusCode = RPCStatus.Code(rawValue: Int(code)) ?? .unknown
            return .status(callID: callID, RPCStatus(code: statusCode, message: message), metadata)
        case .cancel:
            guard payload.readableBytes == 0 else { throw malformed("CANCEL has no payload") }
            return .cancel(callID: callID)
        case .ping, .pong:
            guard payload.readableBytes == 8, let opaque = payload.readInteger(as: UInt64.self) else {
                throw malformed("PING/PONG payload must be 8 bytes")
            }
            return type == .ping ? .ping(opaque) : .pong(opaque)
        case .goAway:
            guard let last = payload.readInteger(as: UInt32.self), let reason = payload.readInteger(as: UInt8.self),
                let message = payload.readLengthPrefixedString(), payload.readableBytes == 0
            else { throw malformed("bad GOAWAY payload") }
            return .goAway(.init(lastCallID: last, reason: GoAwayReason(rawValue: reason), message: message))
        }
    }
}

extension ByteBuffer {
    /// Reads a UInt16-length-prefixed UTF-8 string; `nil` (reader index unspecified) if short or not UTF-8.
    fileprivate mutating func readLengthPrefixedString() -> String? {
        guard let length = readInteger(as: UInt16.self), let bytes = readSlice(length: Int(length)) else { return nil }
        return bytes.readableBytesView.withContiguousStorageIfAvailable { String(validating: $0, as: UTF8.self) }
            ?? String(validating: Array(bytes.readableBytesView), as: UTF8.self)
    }

    fileprivate mutating func readRPCMetadata(orThrow error: @autoclosure () -> RPCProtocolError) throws -> RPCMetadata {
        guard let count = readInteger(as: UInt16.self) else { throw error() }
        var metadata = RPCMetadata()
        for _ in 0..<count {
            guard let key = readLengthPrefixedString(), !key.isEmpty, key.utf8.allSatisfy(RPCMetadata.isValidKeyByte),
                let value = readLengthPrefixedString()
            else { throw error() }
            metadata.add(value, forKey: key)
        }
        return metadata
    }
}

extension RPCMetadata {
    /// Keys are lowercase ASCII letters, digits, `-`, `_` and `.`.
    static func isValidKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }
}
