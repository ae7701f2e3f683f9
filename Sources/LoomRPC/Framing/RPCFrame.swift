import NIOCore

/// One frame of the Loom RPC protocol, decoded. The byte layout is specified in `Protos/README.md`.
///
/// Every frame starts with a 10-byte header: payload length (UInt32, big endian), type (UInt8), flags (UInt8) and
/// call id (UInt32, big endian). Call frames carry a non-zero call id; connection frames (PING, PONG, GOAWAY) carry 0.
enum RPCFrame: Hashable, Sendable {
    /// Opens a call (client → server).
    case callStart(CallStart)
    /// One protobuf-encoded message of a call (either direction).
    case message(callID: UInt32, ByteBuffer)
    /// Ends a call with a status and trailing metadata (server → client).
    case status(callID: UInt32, RPCStatus, RPCMetadata)
    /// Cancels one call (client → server).
    case cancel(callID: UInt32)
    /// Keepalive probe with 8 opaque bytes (either direction).
    case ping(UInt64)
    /// Answer to a PING, echoing its 8 bytes (either direction).
    case pong(UInt64)
    /// The sender stops accepting calls above `lastCallID` and will close once those finish.
    case goAway(GoAway)

    /// The CALL_START payload.
    struct CallStart: Hashable, Sendable {
        var callID: UInt32
        var method: String
        /// The relative timeout, in microseconds on the wire; `nil` means no deadline (0 on the wire).
        var timeout: TimeAmount?
        var metadata: RPCMetadata
    }

    /// The GOAWAY payload.
    struct GoAway: Hashable, Sendable {
        var lastCallID: UInt32
        var reason: GoAwayReason
        var message: String
    }

    /// The frame type byte.
    enum FrameType: UInt8, Sendable {
        case callStart = 0x01
        case message = 0x02
        case status = 0x03
        case cancel = 0x04
        case ping = 0x05
        case pong = 0x06
        case goAway = 0x07
    }

    /// The size of the fixed frame header in bytes.
    static let headerSize = 10

    /// The default limit for a MESSAGE payload: 4 MiB.
    static let defaultMaxMessageSize = 4 * 1024 * 1024

    /// The limit for the payload of every frame type other than MESSAGE: 64 KiB.
    static let maxControlFrameSize = 64 * 1024

    var type: FrameType {
        switch self {
        case .callStart: .callStart
        case .message: .message
        case .status: .status
        case .cancel: .cancel
        case .ping: .ping
        case .pong: .pong
        case .goAway: .goAway
        }
    }
}

/// Why a GOAWAY was sent; the byte in the GOAWAY payload.
struct GoAwayReason: Hashable, Sendable, CustomStringConvertible {
    var rawValue: UInt8

    /// Graceful shutdown (drain).
    static let noError = GoAwayReason(rawValue: 0)
    /// The peer broke the protocol (unknown frame type, malformed payload, call id reuse, …).
    static let protocolError = GoAwayReason(rawValue: 1)
    /// The peer sent a frame over the size limit.
    static let frameTooLarge = GoAwayReason(rawValue: 2)
    /// The connection was idle for longer than the idle timeout.
    static let idleTimeout = GoAwayReason(rawValue: 3)
    /// The peer did not answer a keepalive PING in time.
    static let keepaliveTimeout = GoAwayReason(rawValue: 4)

    var description: String {
        switch rawValue {
        case 0: "NO_ERROR"
        case 1: "PROTOCOL_ERROR"
        case 2: "FRAME_TOO_LARGE"
        case 3: "IDLE_TIMEOUT"
        case 4: "KEEPALIVE_TIMEOUT"
        default: "REASON_\(rawValue)"
        }
    }
}
