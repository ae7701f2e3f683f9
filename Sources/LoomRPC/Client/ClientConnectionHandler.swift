import Logging
import LoomTLS
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Identifies one client call before its call id is known (ids are assigned on the event loop, in order).
final class RPCCallToken: Sendable {
    private let cancelled = Atomic<Bool>(false)

    /// Set (from any thread) when the caller cancels, before the cancellation is handed to the event loop: a call
    /// whose `startCall` runs after that never starts.
    func markCancelled() { cancelled.store(true, ordering: .releasing) }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}

/// Multiplexes the calls of one client connection: the event-loop side of ``RPCClient``.
///
/// Decisions live in ``StateMachine``; this handler writes frames, completes callers and runs the deadline and
/// keepalive timers. It splits the bytes it reads into frames itself with ``RPCFrameReader`` (a separate decoding
/// handler would cost a pipeline step and a boxed `NIOAny` per frame).
///
/// Each stream's messages not yet taken by its caller are bounded by its ``StreamBacklog``.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Where a call's responses go. The handler completes a sink exactly once: when the call ends (STATUS,
    /// cancel, deadline, connection loss) or at once when the call cannot start.
    enum Sink {
        /// The caller's continuation, resumed with the response (no promise or future in between).
        case unary(UnsafeContinuation<ByteBuffer, any Error>)
        case stream(AsyncThrowingStream<ByteBuffer, any Error>.Continuation, StreamBacklog)
    }

    struct Configuration: Sendable {
        var maxMessageSize: Int
        var keepaliveInterval: TimeAmount?
        var keepaliveTimeout: TimeAmount
    }

    private struct Call {
        var token: ObjectIdentifier
        var sink: Sink
        var response: ByteBuffer?
        var deadlineTimer: Scheduled<Void>?
    }

    private var stateMachine = StateMachine()
    private let configuration: Configuration
    private let logger: Logger
    /// Read by ``RPCClient`` off the event loop to decide whether to start calls here.
    let acceptsCalls: NIOLockedValueBox<Bool>
    private var calls: [UInt32: Call] = [:]
    private var callIDs: [ObjectIdentifier: UInt32] = [:]
    private var context: ChannelHandlerContext?
    private var keepaliveTimer: Scheduled<Void>?
    private var flushScheduled = false
    private var publishedAcceptsCalls = true
    private var frames: RPCFrameReader
    /// The server sent bytes that are not frames: nothing it sends later is read.
    private var decodingFailed = false
    /// Bytes arrived since the last keepalive PING.
    private var heardSincePing = false
    /// Why the connection failed, when that says more than "closed" (the server refused our certificate): calls that
    /// reach the handler afterwards fail with it too.
    private var failure: RPCError?

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.acceptsCalls = NIOLockedValueBox(true)
        self.frames = RPCFrameReader(maxMessageSize: configuration.maxMessageSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { armKeepalive() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(RPCError(code: .unavailable, message: "the connection closed"))
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        armKeepalive()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !decodingFailed {
            // Bytes of an unfinished frame at EOF are a protocol error (truncated frame).
            takeFrames(context: context)
            do {
                if !decodingFailed { try frames.checkEndOfStream() }
            } catch {
                failDecoding(error, context: context)
            }
        }
        failAll(RPCError(code: .unavailable, message: "the connection closed"))
        context.fireChannelInactive()
    }

    // MARK: Starting and cancelling calls

    /// Starts a call: assigns its id, writes CALL_START and the request, arms its deadline.
    func startCall(
        token: RPCCallToken,
        method: String,
        request: ByteBuffer,
        timeout: TimeAmount?,
        metadata: RPCMetadata,
        sink: Sink
    ) {
        if let error = Self.validate(method: method, request: request, metadata: metadata, limit: configuration.maxMessageSize) {
            Self.fail(sink, error)
            return
        }
        guard let context else {
            Self.fail(sink, failure ?? RPCError(code: .unavailable, message: "the connection closed"))
            return
        }
        if token.isCancelled {
            // Cancelled before the call reached the loop: nothing was sent, so there is nothing to cancel.
            Self.fail(sink, Self.cancelledError)
            return
        }
        switch stateMachine.startCall() {
        case .fail(let error):
            Self.fail(sink, failure ?? error)
        case .start(let callID):
            var call = Call(token: ObjectIdentifier(token), sink: sink)
            if let timeout {
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                call.deadlineTimer = context.eventLoop.scheduleTask(in: timeout) {
                    loopBound.value.endLocally(callID: callID, RPCError(code: .deadlineExceeded, message: "the call's deadline expired"))
                }
            }
            calls[callID] = call
            callIDs[call.token] = callID
            var buffer = context.channel.allocator.buffer(capacity: 64 + method.utf8.count + request.readableBytes)
            buffer.writeRPCFrame(.callStart(.init(callID: callID, method: method, timeout: timeout, metadata: metadata)))
            buffer.writeRPCFrame(.message(callID: callID, request))
            context.write(wrapOutboundOut(buffer), promise: nil)
            if calls.count == 1 {
                // The only call in flight: nothing will join this write, so send it now (lowest latency).
                context.flush()
            } else {
                scheduleFlush()
            }
            publishAcceptsCalls()
        }
    }

    /// Cancels the call started with `token` (task cancellation, stream dropped); no effect once it ended.
    /// Call ``RPCCallToken/markCancelled()`` first, off the loop, so a call not started yet never starts.
    func cancel(token: RPCCallToken) {
        guard let callID = callIDs[ObjectIdentifier(token)] else { return }
        endLocally(callID: callID, Self.cancelledError)
    }

    private static let cancelledError = RPCError(code: .cancelled, message: "the call was cancelled by the client")

    private func endLocally(callID: UInt32, _ error: RPCError) {
        guard case .end(let close) = stateMachine.cancelCall(callID: callID), let call = removeCall(callID) else { return }
        Self.fail(call.sink, error)
        write(.cancel(callID: callID))
        scheduleFlush()
        if close { context?.close(promise: nil) }
    }

    private static func validate(method: String, request: ByteBuffer, metadata: RPCMetadata, limit: Int) -> RPCError? {
        if request.readableBytes > limit {
            return RPCError(code: .resourceExhausted, message: "request of \(request.readableBytes) bytes exceeds the limit of \(limit)")
        }
        if method.isEmpty || method.utf8.count > Int(UInt16.max) {
            return RPCError(code: .invalidArgument, message: "invalid method name")
        }
        var controlSize = 8 + 2 + method.utf8.count + 2
        for entry in metadata {
            guard !entry.key.isEmpty, entry.key.utf8.allSatisfy(RPCMetadata.isValidKeyByte) else {
                return RPCError(code: .invalidArgument, message: "invalid metadata key \"\(entry.key)\"")
            }
            controlSize += 4 + entry.key.utf8.count + entry.value.utf8.count
        }
        if controlSize > RPCFrame.maxControlFrameSize {
            return RPCError(code: .resourceExhausted, message: "call metadata exceeds \(RPCFrame.maxControlFrameSize) bytes")
        }
        return nil
    }

    // MARK: Reads

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        heardSincePing = true
        guard !decodingFailed else { return }
        frames.append(unwrapInboundIn(data))
        takeFrames(context: context)
    }

    /// Acts on every whole frame buffered.
    private func takeFrames(context: ChannelHandlerContext) {
        do {
            while !decodingFailed, let frame = try frames.next() {
                receivedFrame(frame, context: context)
            }
        } catch {
            failDecoding(error, context: context)
        }
    }

    private func failDecoding(_ error: any Error, context: ChannelHandlerContext) {
        decodingFailed = true
        errorCaught(context: context, error: error)
    }

    private func receivedFrame(_ frame: RPCFrame, context: ChannelHandlerContext) {
        switch frame {
        case .message(let callID, let message):
            guard stateMachine.receivedMessage(callID: callID) == .deliver else { return }
            switch calls[callID]?.sink {
            case .unary:
                calls[callID]?.response = message
            case .stream(let continuation, let backlog):
                // A small message waiting for its caller must not keep a whole read buffer alive: copy it out.
                var message = message
                if message.storageCapacity >= 2 * message.readableBytes + 4096 {
                    message = ByteBuffer(bytes: message.readableBytesView)
                }
                // Counted before it is handed over, so the caller taking it can never make the count negative.
                if backlog.admit(StreamBacklog.cost(of: message)) {
                    continuation.yield(message)
                } else {
                    endLocally(
                        callID: callID,
                        RPCError(
                            code: .resourceExhausted,
                            message: "the caller fell \(backlog.limit) bytes behind this stream; the call was cancelled"))
                }
            case nil:
                break
            }
        case .status(let callID, let status, let trailers):
            guard case .end(let close) = stateMachine.receivedStatus(callID: callID), let call = removeCall(callID) else {
                return
            }
            finish(call, status: status, trailers: trailers)
            if close { context.close(promise: nil) }
        case .ping(let opaque):
            write(.pong(opaque))
            scheduleFlush()
        case .pong:
            stateMachine.receivedPong()
        case .goAway(let goAway):
            logger.debug("server sent GOAWAY", metadata: ["reason": "\(goAway.reason)", "message": "\(goAway.message)"])
            if case .drain(let refused, let closeNow) = stateMachine.receivedGoAway(lastCallID: goAway.lastCallID) {
                publishAcceptsCalls()
                for callID in refused {
                    if let call = removeCall(callID) {
                        Self.fail(call.sink, RPCError(code: .unavailable, message: "the server refused the call while going away"))
                    }
                }
                if closeNow { context.close(promise: nil) }
            }
        case .callStart(let start):
            protocolViolation(.invalidCallID(start.callID, reason: "servers do not start calls"))
        case .cancel(let callID):
            protocolViolation(.invalidCallID(callID, reason: "servers do not send CANCEL"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? RPCProtocolError {
            protocolViolation(error)
        } else if let refusal = RPCError(refusedCertificate: error) {
            // TLS 1.3: the server checks our certificate after our handshake finished, and refuses it with an alert.
            logger.debug("the server refused the client certificate", metadata: ["error": "\(error)"])
            failure = refusal
            failAll(refusal)
            context.close(promise: nil)
        } else {
            logger.debug("client connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    private func finish(_ call: Call, status: RPCStatus, trailers: RPCMetadata) {
        switch call.sink {
        case .unary(let continuation):
            if let error = RPCError(status: status, metadata: trailers) {
                continuation.resume(throwing: error)
            } else if let response = call.response {
                continuation.resume(returning: response)
            } else {
                continuation.resume(throwing: RPCError(code: .internalError, message: "the server ended a unary call without a response"))
            }
        case .stream(let continuation, _):
            if let error = RPCError(status: status, metadata: trailers) {
                continuation.finish(throwing: error)
            } else {
                continuation.finish()
            }
        }
    }

    private func protocolViolation(_ error: RPCProtocolError) {
        logger.warning("closing connection after a protocol error from the server", metadata: ["error": "\(error)"])
        write(.goAway(.init(lastCallID: 0, reason: error.goAwayReason, message: "\(error)")))
        context?.flush()
        failAll(RPCError(code: .internalError, message: "the server broke the RPC protocol", cause: error))
        context?.close(promise: nil)
    }

    // MARK: Keepalive

    private func armKeepalive() {
        guard let interval = configuration.keepaliveInterval, let eventLoop = context?.eventLoop else { return }
        keepaliveTimer?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        keepaliveTimer = eventLoop.scheduleTask(in: interval) { loopBound.value.keepaliveFired() }
    }

    private func keepaliveFired() {
        switch stateMachine.keepaliveTimerFired() {
        case .sendPing:
            heardSincePing = false
            write(.ping(UInt64.random(in: 0...UInt64.max)))
            scheduleFlush()
            guard let eventLoop = context?.eventLoop else { return }
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            // The next firing either sends the next PING (a PONG arrived) or closes the connection.
            keepaliveTimer = eventLoop.scheduleTask(in: configuration.keepaliveTimeout) {
                loopBound.value.keepaliveCheck()
            }
        case .close:
            keepaliveCheck()
        case .ignore:
            break
        }
    }

    private func keepaliveCheck() {
        let awaitingPong: Bool
        switch stateMachine.state {
        case .active(let calls), .draining(let calls): awaitingPong = calls.awaitingPong
        case .closed, ._modifying: return
        }
        // Bytes from the server since the PING prove it alive (the PONG may be queued behind a large response).
        if !awaitingPong || heardSincePing {
            if awaitingPong { stateMachine.receivedPong() }
            armKeepalive()
            return
        }
        logger.warning("server did not answer keepalive PING; closing connection")
        failAll(RPCError(code: .unavailable, message: "the server stopped answering keepalive pings"))
        context?.close(promise: nil)
    }

    // MARK: Helpers

    private func removeCall(_ callID: UInt32) -> Call? {
        guard let call = calls.removeValue(forKey: callID) else { return nil }
        callIDs[call.token] = nil
        call.deadlineTimer?.cancel()
        return call
    }

    private func failAll(_ error: RPCError) {
        keepaliveTimer?.cancel()
        keepaliveTimer = nil
        for callID in stateMachine.close() {
            if let call = removeCall(callID) { Self.fail(call.sink, error) }
        }
        publishAcceptsCalls()
    }

    private func publishAcceptsCalls() {
        let accepts = stateMachine.acceptsCalls
        guard accepts != publishedAcceptsCalls else { return }
        publishedAcceptsCalls = accepts
        acceptsCalls.withLockedValue { $0 = accepts }
    }

    private static func fail(_ sink: Sink, _ error: RPCError) {
        switch sink {
        case .unary(let continuation): continuation.resume(throwing: error)
        case .stream(let continuation, _): continuation.finish(throwing: error)
        }
    }

    private func write(_ frame: RPCFrame) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 32)
        buffer.writeRPCFrame(frame)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// Flushes at the end of the current event-loop tick, so calls started together leave in one write.
    private func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = loopBound.value
            handler.flushScheduled = false
            handler.context?.flush()
        }
    }
}
