/// A violation of the Loom RPC wire protocol by the peer.
///
/// The connection that sees one sends GOAWAY with the matching reason and closes; it never crashes or wedges.
public struct RPCProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Base: Hashable, Sendable {
        case frameTooLarge(type: UInt8, size: Int, limit: Int)
        case unknownFrameType(UInt8)
        case malformedFrame(type: UInt8, reason: String)
        case invalidCallID(UInt32, reason: String)
        case truncatedFrame(bufferedBytes: Int)
    }

    private let base: Base

    private init(_ base: Base) { self.base = base }

    /// A frame declared a payload larger than the limit for its type.
    static func frameTooLarge(type: UInt8, size: Int, limit: Int) -> Self {
        Self(.frameTooLarge(type: type, size: size, limit: limit))
    }

    /// The frame type byte is not one the protocol defines.
    static func unknownFrameType(_ type: UInt8) -> Self { Self(.unknownFrameType(type)) }

    /// The payload does not match the layout of its frame type.
    static func malformedFrame(type: UInt8, reason: String) -> Self { Self(.malformedFrame(type: type, reason: reason)) }

    /// The call id is zero where a call is required, non-zero on a connection frame, or reused.
    static func invalidCallID(_ id: UInt32, reason: String) -> Self { Self(.invalidCallID(id, reason: reason)) }

    /// The connection ended in the middle of a frame.
    static func truncatedFrame(bufferedBytes: Int) -> Self { Self(.truncatedFrame(bufferedBytes: bufferedBytes)) }

    /// Whether this error is a frame over the size limit.
    public var isFrameTooLarge: Bool {
        if case .frameTooLarge = base { return true }
        return false
    }

    /// The GOAWAY reason this error is reported with.
    var goAwayReason: GoAwayReason { isFrameTooLarge ? .frameTooLarge : .protocolError }

    public var description: String {
        switch base {
        case .frameTooLarge(let type, let size, let limit):
            "frame of type \(type) declares \(size) payload bytes, over the limit of \(limit)"
        case .unknownFrameType(let type): "unknown frame type \(type)"
        case .malformedFrame(let type, let reason): "malformed frame of type \(type): \(reason)"
        case .invalidCallID(let id, let reason): "invalid call id \(id): \(reason)"
        case .truncatedFrame(let bytes): "connection closed inside a frame (\(bytes) bytes buffered)"
        }
    }
}
