import Logging
import LoomTLS
import NIOCore

/// Serves the calls of one connection: the event-loop side of the server.
///
/// Decisions live in ``StateMachine``; this handler carries them out: it starts one task per call, writes
/// frames, runs the deadline and idle timers and closes the connection. A peer that breaks the protocol gets a
/// GOAWAY with the reason and is closed; handler tasks of a closed connection are cancelled.
///
/// It reads bytes and splits them into frames itself with ``RPCFrameReader`` (no separate decoding handler: that
/// would cost a pipeline step and a boxed `NIOAny` per frame).
///
/// Output is bounded: while the channel is not writable (the peer does not read what it is sent), the handler takes
/// no more frames and holds back `read()`, so a peer that sends calls but never reads their responses cannot make the
/// server buffer without limit. Work resumes when the channel becomes writable again.
final class ServerConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Fired down the pipeline (inbound user event) to start a graceful drain.
    struct GracefulShutdownEvent: Sendable {}

    struct Configuration: Sendable {
        var maxConcurrentCalls: Int
        var idleTimeout: TimeAmount?
        var handlerExecution: RPCServer.HandlerExecution = .globalConcurrentExecutor
        /// The largest MESSAGE payload accepted (see ``RPCFrameDecoder``).
        var maxMessageSize: Int = RPCFrame.defaultMaxMessageSize
        /// The server's decode budget, shared by its connections (``RPCServer/Configuration/maxDecodedBytesInFlight``).
        var serverDecodeBudget = RPCDecodeBudget(limit: 128 * 1024 * 1024)
        /// The limit of each connection's own decode budget.
        var maxDecodedBytesInFlightPerConnection = 64 * 1024 * 1024
        /// How long a call's request may take to arrive (``RPCServer/Configuration/requestTimeout``).
        var requestTimeout: TimeAmount?
        /// The longest a unary call may run (``RPCServer/Configuration/maxUnaryDuration``).
        var maxUnaryDuration: TimeAmount?
    }

    /// What a finished handler task reports back to the event loop.
    enum CallOutcome: Sendable {
        case unary(ByteBuffer)
        case streamEnded
        case failed(RPCError)
    }

    private struct CallResources {
        var task: Task<Void, Never>?
        var deadlineTimer: Scheduled<Void>?
        /// Runs until the call's request has arrived whole.
        var requestTimer: Scheduled<Void>?
    }

    private var stateMachine: StateMachine
    private let router: RPCRouter
    private let authorizer: any RPCAuthorizer
    private let configuration: Configuration
    private let logger: Logger
    private let decodeBudgets: RPCDecodeBudgets
    private var peer: RPCPeer
    private var resources: [UInt32: CallResources] = [:]
    private var idleTimer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private var isReading = false
    private var frames: RPCFrameReader
    /// The peer sent bytes that are not frames: nothing it sends later is read.
    private var decodingFailed = false
    /// A `read()` held back while the channel was not writable.
    private var readHeld = false
    private var flushPending = false
    /// Bytes written since the last flush. TLS encrypts on flush, so unflushed output does not yet count against the
    /// channel's writability; a read burst flushes early past ``flushThreshold`` to keep its own output bounded.
    private var unflushedBytes = 0
    private static let flushThreshold = 64 * 1024
    private var flushScheduled = false

    init(
        router: RPCRouter,
        authorizer: any RPCAuthorizer,
        configuration: Configuration,
        peerIdentity: PeerIdentity?,
        logger: Logger
    ) {
        self.stateMachine = StateMachine(maxConcurrentCalls: configuration.maxConcurrentCalls)
        self.frames = RPCFrameReader(maxMessageSize: configuration.maxMessageSize)
        self.router = router
        self.authorizer = authorizer
        self.configuration = configuration
        self.logger = logger
        self.decodeBudgets = RPCDecodeBudgets(
            connection: RPCDecodeBudget(limit: configuration.maxDecodedBytesInFlightPerConnection),
            server: configuration.serverDecodeBudget
        )
        self.peer = RPCPeer(identity: peerIdentity, remoteAddress: "unknown")
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress { peer.remoteAddress = "\(address)" }
        if context.channel.isActive { armIdleTimer() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tearDown()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if let address = context.channel.remoteAddress { peer.remoteAddress = "\(address)" }
        armIdleTimer()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !decodingFailed {
            // Bytes of an unfinished frame at EOF are a protocol error (truncated frame). Whole frames still
            // buffered (the channel was not writable) are dropped: no response could reach the peer.
            do {
                while try frames.next() != nil {}
                try frames.checkEndOfStream()
            } catch {
                failDecoding(error)
            }
        }
        tearDown()
        context.fireChannelInactive()
    }

    // MARK: Reads

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        isReading = true
        guard !decodingFailed else { return }
        frames.append(unwrapInboundIn(data))
        takeFrames(context: context)
    }

    /// Acts on buffered frames until none is whole, or until the channel stops being writable: the rest waits for
    /// ``channelWritabilityChanged(context:)``.
    private func takeFrames(context: ChannelHandlerContext) {
        do {
            while !decodingFailed, context.channel.isWritable, let frame = try frames.next() {
                receivedFrame(frame)
                if unflushedBytes >= Self.flushThreshold { flushNow() }
            }
        } catch {
            failDecoding(error)
        }
    }

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, !decodingFailed {
            // Frames left from the last read first (their responses batch into one flush), then more reads.
            let wasReading = isReading
            isReading = true
            takeFrames(context: context)
            isReading = wasReading
            if !wasReading { flushNow() }
            if readHeld, context.channel.isWritable {
                readHeld = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    private func failDecoding(_ error: any Error) {
        decodingFailed = true
        if let error = error as? RPCProtocolError {
            protocolViolation(error)
        } else {
            logger.debug("connection error", metadata: ["peer": "\(peer)", "error": "\(error)"])
            closeAbruptly(goAway: nil)
        }
    }

    private func receivedFrame(_ frame: RPCFrame) {
        switch frame {
        case .callStart(let start):
            receivedCallStart(start)
        case .message(let callID, let request):
            receivedMessage(callID: callID, request: request)
        case .cancel(let callID):
            if case .end(let close) = stateMachine.receivedCancel(callID: callID) {
                releaseCall(callID, cancelTask: true)
                afterCallEnded(closeConnection: close)
            }
        case .ping(let opaque):
            write(.pong(opaque))
        case .pong:
            // The server sends no PINGs of its own; an unsolicited PONG is harmless.
            break
        case .status(let callID, _, _):
            protocolViolation(.invalidCallID(callID, reason: "clients do not send STATUS"))
        case .goAway:
            // The client will not start new calls; its in-flight calls still finish. Nothing to do.
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        isReading = false
        flushNow()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? RPCProtocolError {
            protocolViolation(error)
        } else {
            logger.debug("connection error", metadata: ["peer": "\(peer)", "error": "\(error)"])
            closeAbruptly(goAway: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            // TLS delivers no plaintext before the handshake, so every call sees the verified identity.
            peer.identity = handshake.peerIdentity
            context.fireUserInboundEventTriggered(event)
        } else if event is GracefulShutdownEvent {
            switch stateMachine.beginGracefulShutdown() {
            case .sendGoAway(let lastCallID, let closeNow):
                write(.goAway(.init(lastCallID: lastCallID, reason: .noError, message: "server shutting down")))
                flushNow()
                if closeNow { context.close(promise: nil) }
            case .ignore:
                break
            }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func receivedCallStart(_ received: RPCFrame.CallStart) {
        let (start, limited) = Self.limitingDuration(
            received, to: configuration.maxUnaryDuration, isUnary: router.handlers[received.method]?.isUnary ?? false)
        switch stateMachine.receivedCallStart(start) {
        case .accept:
            idleTimer?.cancel()
            idleTimer = nil
            var callResources = CallResources()
            if let eventLoop = context?.eventLoop {
                let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
                if let timeout = start.timeout {
                    let message = limited ? "the call ran longer than the server allows a unary call (\(Self.text(timeout)))" : nil
                    callResources.deadlineTimer = eventLoop.scheduleTask(in: timeout) {
                        loopBound.value.deadlineExpired(callID: start.callID, message: message)
                    }
                }
                // A deadline that comes first covers the request's arrival too.
                if let timeout = configuration.requestTimeout, start.timeout.map({ $0 > timeout }) ?? true {
                    callResources.requestTimer = eventLoop.scheduleTask(in: timeout) {
                        loopBound.value.requestTimedOut(callID: start.callID, after: timeout)
                    }
                }
            }
            resources[start.callID] = callResources
        case .reject(let status):
            write(.status(callID: start.callID, status, [:]))
        case .protocolError(let error):
            protocolViolation(error)
        case .ignore:
            break
        }
    }

    private func receivedMessage(callID: UInt32, request: ByteBuffer) {
        switch stateMachine.receivedMessage(callID: callID) {
        case .run(let start):
            resources[callID]?.requestTimer?.cancel()
            resources[callID]?.requestTimer = nil
            guard let handler = router.handlers[start.method] else {
                endCall(callID, outcome: .failed(RPCError(code: .unimplemented, message: "unknown method \(start.method)")))
                return
            }
            let task = startTask(for: start, handler: handler, request: request)
            // A handler started in place may already have ended the call (and released its resources).
            resources[callID]?.task = task
        case .ignore:
            break
        case .protocolError(let error):
            protocolViolation(error)
        }
    }

    // MARK: Call tasks

    private func startTask(for start: RPCFrame.CallStart, handler: RPCRouter.Handler, request: ByteBuffer) -> Task<Void, Never>? {
        guard let eventLoop = context?.eventLoop else { return nil }
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let callID = start.callID
        let handlerContext = RPCHandlerContext(
            method: start.method,
            deadline: start.timeout.map { NIODeadline.now() + $0 },
            metadata: start.metadata,
            peer: peer,
            callID: callID,
            connectionLogger: logger,
            decodeBudgets: decodeBudgets
        )
        let connectionLogger = logger
        let authorizer = self.authorizer
        let body: @Sendable () async -> Void = {
            let outcome: CallOutcome
            do {
                switch await authorizer.authorize(peer: handlerContext.peer, method: start.method, metadata: start.metadata) {
                case .allow: break
                case .unauthenticated(let message): throw RPCError(code: .unauthenticated, message: message)
                case .permissionDenied(let message): throw RPCError(code: .permissionDenied, message: message)
                }
                switch handler {
                case .unary(let body):
                    outcome = .unary(try await body(request, handlerContext))
                case .serverStreaming(let body):
                    let writer = RPCResponseWriter<ByteBuffer> { message in
                        try await eventLoop.flatSubmit {
                            loopBound.value.writeStreamMessage(callID: callID, message, eventLoop: eventLoop)
                        }.get()
                    }
                    try await body(request, handlerContext, writer)
                    outcome = .streamEnded
                }
            } catch {
                // The single place where handler errors become wire statuses.
                let callLogger = RPCHandlerContext.callLogger(connectionLogger, method: start.method, callID: callID)
                outcome = .failed(RPCErrorMapper.rpcError(for: error, method: start.method, logger: callLogger))
            }
            if eventLoop.inEventLoop {
                loopBound.value.endCall(callID, outcome: outcome)
            } else {
                eventLoop.execute { loopBound.value.endCall(callID, outcome: outcome) }
            }
        }
        switch configuration.handlerExecution.base {
        case .globalConcurrentExecutor:
            return Task(operation: body)
        case .eventLoop:
            if #available(macOS 26.0, *) {
                // Runs the handler right here, on the loop, until it first suspends: a handler that does not suspend
                // (or whose awaits complete at once) answers within this read, without a trip through the loop's
                // task queue; its response leaves with the read's flush. Later parts run on the loop too.
                return Task.immediate(executorPreference: EventLoopTaskExecutor(eventLoop: eventLoop), operation: body)
            }
            if #available(macOS 15.0, *) {
                return Task(executorPreference: EventLoopTaskExecutor(eventLoop: eventLoop), operation: body)
            }
            return Task(operation: body)
        }
    }

    private func writeStreamMessage(callID: UInt32, _ message: ByteBuffer, eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context, resources[callID] != nil else {
            return eventLoop.makeFailedFuture(RPCError(code: .cancelled, message: "the call has ended"))
        }
        let promise = eventLoop.makePromise(of: Void.self)
        var buffer = context.channel.allocator.buffer(capacity: RPCFrame.headerSize + message.readableBytes)
        buffer.writeRPCFrame(.message(callID: callID, message))
        // The flush also sends whatever else was pending.
        unflushedBytes = 0
        flushPending = false
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
        return promise.futureResult
    }

    private func endCall(_ callID: UInt32, outcome: CallOutcome) {
        guard case .end(let close) = stateMachine.callFinished(callID: callID) else { return }
        releaseCall(callID, cancelTask: false)
        switch outcome {
        case .unary(let response):
            // Sized for both frames up front: the response is copied once, never into a buffer that must grow.
            writeFrames(
                [.message(callID: callID, response), .status(callID: callID, .ok, [:])],
                capacity: 2 * RPCFrame.headerSize + 16 + response.readableBytes
            )
        case .streamEnded:
            write(.status(callID: callID, .ok, [:]))
        case .failed(let error):
            write(.status(callID: callID, error.status, error.metadata))
        }
        flushIfNotReading()
        afterCallEnded(closeConnection: close)
    }

    private func deadlineExpired(callID: UInt32, message: String?) {
        guard case .end(let close) = stateMachine.deadlineExpired(callID: callID) else { return }
        releaseCall(callID, cancelTask: true)
        write(.status(callID: callID, RPCStatus(code: .deadlineExceeded, message: message ?? "the call's deadline expired"), [:]))
        flushIfNotReading()
        afterCallEnded(closeConnection: close)
    }

    /// The call's request did not arrive whole in time: the call ends with DEADLINE_EXCEEDED. If the connection is in
    /// the middle of a frame (the request trickles in), nothing behind that frame can be read: it is closed too.
    private func requestTimedOut(callID: UInt32, after timeout: TimeAmount) {
        guard case .end(let close) = stateMachine.requestTimedOut(callID: callID) else { return }
        releaseCall(callID, cancelTask: true)
        let message = "the request did not arrive within \(Self.text(timeout))"
        write(.status(callID: callID, RPCStatus(code: .deadlineExceeded, message: message), [:]))
        if frames.bufferedBytes > 0, context?.channel.isWritable == true {
            logger.debug("closing a connection whose request trickles in", metadata: ["peer": "\(peer)", "call": "\(callID)"])
            closeAbruptly(goAway: (.protocolError, "call \(callID): \(message)"))
            return
        }
        flushIfNotReading()
        afterCallEnded(closeConnection: close)
    }

    private func releaseCall(_ callID: UInt32, cancelTask: Bool) {
        guard let released = resources.removeValue(forKey: callID) else { return }
        released.deadlineTimer?.cancel()
        released.requestTimer?.cancel()
        if cancelTask { released.task?.cancel() }
    }

    private func afterCallEnded(closeConnection: Bool) {
        if closeConnection {
            flushNow()
            context?.close(promise: nil)
        } else if stateMachine.activeCallCount == 0 {
            armIdleTimer()
        }
    }

    // MARK: Connection teardown

    private func protocolViolation(_ error: RPCProtocolError) {
        logger.warning("closing connection after a protocol error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        closeAbruptly(goAway: (error.goAwayReason, "\(error)"))
    }

    private func closeAbruptly(goAway: (reason: GoAwayReason, message: String)?) {
        guard let (lastCallID, liveCalls) = stateMachine.close() else { return }
        for callID in liveCalls { releaseCall(callID, cancelTask: true) }
        if let goAway {
            write(.goAway(.init(lastCallID: lastCallID, reason: goAway.reason, message: goAway.message)))
            flushNow()
        }
        context?.close(promise: nil)
    }

    private func tearDown() {
        idleTimer?.cancel()
        idleTimer = nil
        if let (_, liveCalls) = stateMachine.close() {
            for callID in liveCalls { releaseCall(callID, cancelTask: true) }
        }
        // Resources may remain for calls whose tasks never started; release them all.
        for callID in Array(resources.keys) { releaseCall(callID, cancelTask: true) }
    }

    private func armIdleTimer() {
        guard let timeout = configuration.idleTimeout, let eventLoop = context?.eventLoop else { return }
        idleTimer?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        idleTimer = eventLoop.scheduleTask(in: timeout) { loopBound.value.idleTimeoutFired() }
    }

    private func idleTimeoutFired() {
        idleTimer = nil
        guard case .close(let lastCallID) = stateMachine.idleTimeoutFired() else { return }
        logger.debug("closing idle connection", metadata: ["peer": "\(peer)"])
        write(.goAway(.init(lastCallID: lastCallID, reason: .idleTimeout, message: "idle timeout")))
        flushNow()
        context?.close(promise: nil)
    }

    // MARK: Writing

    private func write(_ frame: RPCFrame) {
        writeFrames(CollectionOfOne(frame))
    }

    private func writeFrames(_ frames: some Collection<RPCFrame>, capacity: Int = 64) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: capacity)
        for frame in frames { buffer.writeRPCFrame(frame) }
        unflushedBytes += buffer.readableBytes
        context.write(wrapOutboundOut(buffer), promise: nil)
        flushPending = true
    }

    /// Outside a read burst (writes from handler tasks), flushes at the end of the current event-loop tick, so
    /// responses of calls finishing together leave in one write (and, with TLS, one record batch).
    private func flushIfNotReading() {
        guard !isReading else { return }
        // The last call in flight: nothing will join this write, so send it now (lowest latency).
        if stateMachine.activeCallCount == 0 {
            flushNow()
            return
        }
        guard !flushScheduled, let eventLoop = context?.eventLoop else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute {
            let handler = loopBound.value
            handler.flushScheduled = false
            handler.flushNow()
        }
    }

    private func flushNow() {
        guard flushPending, let context else { return }
        flushPending = false
        unflushedBytes = 0
        context.flush()
    }
}
