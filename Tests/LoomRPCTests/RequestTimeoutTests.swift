import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import LoomRPC

/// A server connection handler on an `EmbeddedChannel` (manual clock) with a request timeout and a longest unary
/// duration, spoken to in frames.
private struct TimedConnection {
    static let hang = "/test.v1.Test/Hang"
    static let watch = "/test.v1.Test/Watch"

    let channel = EmbeddedChannel()

    init(requestTimeout: TimeAmount? = nil, maxUnaryDuration: TimeAmount? = nil, maxConcurrentCalls: Int = 8) throws {
        // Handlers that never return: a call ends only by the server's timers (or a cancel).
        let never = Gate()
        var router = RPCRouter()
        router.registerUnary(Self.hang) { _, _ in
            await never.wait()
            return ByteBuffer()
        }
        router.registerServerStreaming(Self.watch) { _, _, _ in await never.wait() }
        var configuration = ServerConnectionHandler.Configuration(maxConcurrentCalls: maxConcurrentCalls, idleTimeout: nil)
        configuration.requestTimeout = requestTimeout
        configuration.maxUnaryDuration = maxUnaryDuration
        try channel.pipeline.syncOperations.addHandler(
            ServerConnectionHandler(
                router: router, authorizer: RPCAllowAllAuthorizer(), configuration: configuration, peerIdentity: nil,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    }

    func send(_ frames: RPCFrame...) {
        var buffer = ByteBuffer()
        for frame in frames { buffer.writeRPCFrame(frame) }
        send(bytes: buffer)
    }

    func send(bytes: ByteBuffer) {
        _ = try? channel.writeInbound(bytes)
    }

    func advance(_ amount: TimeAmount) { channel.embeddedEventLoop.advanceTime(by: amount) }

    func frames() throws -> [RPCFrame] { try channel.writtenRPCFrames() }

    static func start(_ id: UInt32, _ method: String = "/test.v1.Test/Unknown", timeout: TimeAmount? = nil) -> RPCFrame {
        .callStart(.init(callID: id, method: method, timeout: timeout, metadata: [:]))
    }
}

/// The status of the only STATUS frame for `callID` among `frames`.
private func status(of callID: UInt32, in frames: [RPCFrame]) -> RPCStatus? {
    let statuses = frames.compactMap { frame -> RPCStatus? in
        guard case .status(callID, let status, _) = frame else { return nil }
        return status
    }
    return statuses.count == 1 ? statuses[0] : nil
}

@Suite("RPC request-arrival timeout and longest unary call (EmbeddedChannel, manual clock)")
struct RequestTimeoutTests {
    @Test("a call whose request never arrives ends with DEADLINE_EXCEEDED at the timeout, and its slot is freed")
    func requestNeverArrives() throws {
        let connection = try TimedConnection(requestTimeout: .seconds(10), maxConcurrentCalls: 1)
        connection.send(TimedConnection.start(1))
        connection.advance(.milliseconds(9_999))
        #expect(try connection.frames() == [])
        connection.advance(.milliseconds(1))
        let frames = try connection.frames()
        #expect(status(of: 1, in: frames) == RPCStatus(code: .deadlineExceeded, message: "the request did not arrive within 10 s"))
        #expect(connection.channel.isActive)

        // The only call slot is free again, and the late request is dropped without a protocol error.
        connection.send(.message(callID: 1, ByteBuffer()), TimedConnection.start(2), .message(callID: 2, ByteBuffer()))
        #expect(status(of: 2, in: try connection.frames())?.code == .unimplemented)
        #expect(connection.channel.isActive)
    }

    @Test("a request that arrives whole just within the timeout is served, and no timer fires later")
    func requestJustInTime() throws {
        let connection = try TimedConnection(requestTimeout: .seconds(10))
        connection.send(TimedConnection.start(1))
        connection.advance(.milliseconds(9_999))
        connection.send(.message(callID: 1, ByteBuffer()))
        #expect(status(of: 1, in: try connection.frames())?.code == .unimplemented)
        connection.advance(.seconds(60))
        #expect(try connection.frames() == [])
    }

    @Test("a request trickling in a byte every 5 s: the call ends with DEADLINE_EXCEEDED and the connection is closed")
    func requestTrickles() throws {
        let connection = try TimedConnection(requestTimeout: .seconds(10))
        connection.send(TimedConnection.start(1))
        var message = ByteBuffer()
        message.writeRPCFrame(.message(callID: 1, ByteBuffer(repeating: 0x41, count: 100)))
        var elapsed = TimeAmount.zero
        while connection.channel.isActive, let byte = message.readSlice(length: 1) {
            connection.send(bytes: byte)
            connection.advance(.seconds(5))
            elapsed = elapsed + .seconds(5)
        }
        #expect(elapsed == .seconds(10), "cut off at the timeout, not when the request is whole")
        let frames = try connection.frames()
        #expect(status(of: 1, in: frames)?.code == .deadlineExceeded)
        guard case .goAway(let goAway) = frames.last else {
            Issue.record("expected a GOAWAY last, got \(frames)")
            return
        }
        #expect(goAway.reason == .protocolError)
        #expect(goAway.lastCallID == 1)
        #expect(!connection.channel.isActive)
    }

    @Test("a deadline shorter than the request timeout ends the call first, as a deadline")
    func shorterDeadline() throws {
        let connection = try TimedConnection(requestTimeout: .seconds(10))
        connection.send(TimedConnection.start(1, timeout: .seconds(2)))
        connection.advance(.seconds(2))
        #expect(status(of: 1, in: try connection.frames()) == RPCStatus(code: .deadlineExceeded, message: "the call's deadline expired"))
        connection.advance(.seconds(20))
        #expect(try connection.frames() == [])
    }

    @Test("a unary call without a deadline ends with DEADLINE_EXCEEDED at the longest duration; a watch does not")
    func longestUnary() throws {
        let connection = try TimedConnection(maxUnaryDuration: .seconds(60))
        connection.send(
            TimedConnection.start(1, TimedConnection.hang), .message(callID: 1, ByteBuffer()),
            TimedConnection.start(2, TimedConnection.watch), .message(callID: 2, ByteBuffer()))
        connection.advance(.milliseconds(59_999))
        #expect(try connection.frames() == [])
        connection.advance(.milliseconds(1))
        let frames = try connection.frames()
        #expect(
            status(of: 1, in: frames)
                == RPCStatus(code: .deadlineExceeded, message: "the call ran longer than the server allows a unary call (60 s)"))
        #expect(frames.count == 1)
        connection.advance(.seconds(3600))
        #expect(try connection.frames() == [], "a streaming call is not limited")
    }

    @Test("a unary call's longer deadline is shortened to the longest duration; a shorter one is kept")
    func unaryDeadlines() throws {
        let connection = try TimedConnection(maxUnaryDuration: .seconds(60))
        connection.send(
            TimedConnection.start(1, TimedConnection.hang, timeout: .seconds(600)), .message(callID: 1, ByteBuffer()),
            TimedConnection.start(2, TimedConnection.hang, timeout: .seconds(30)), .message(callID: 2, ByteBuffer()))
        connection.advance(.seconds(30))
        #expect(status(of: 2, in: try connection.frames()) == RPCStatus(code: .deadlineExceeded, message: "the call's deadline expired"))
        connection.advance(.seconds(30))
        #expect(status(of: 1, in: try connection.frames())?.code == .deadlineExceeded)
    }
}
