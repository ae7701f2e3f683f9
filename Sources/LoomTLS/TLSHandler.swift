import Logging
import NIOCore

/// A channel handler that encrypts a connection with OpenSSL (server or client side).
///
/// Put it first in the pipeline (``NIOCore/ChannelPipeline/SynchronousOperations/addTLSServerHandlers(context:logger:)``
/// and ``NIOCore/ChannelPipeline/SynchronousOperations/addTLSClientHandlers(context:serverHostname:logger:)``
/// do that); handlers after it read and write plaintext `ByteBuffer`s.
///
/// - The handshake starts as soon as the channel is active and must finish within
///   ``TLSConfig/Timeouts/handshake``. Writes issued earlier wait and are sent after it.
/// - On success the handler fires ``TLSHandshakeCompleted`` as a user inbound event,
///   completes ``handshakeFuture`` and sets ``handshakeResult`` / ``peerIdentity``.
/// - On failure (bad certificate, wrong version, plaintext or garbage, timeout, EOF) it
///   sends OpenSSL's alert, logs the reason at `notice` (or hands it to its
///   ``TLSRejectionReporter``), fires the ``TLSError``
///   through `errorCaught`, fails ``handshakeFuture`` and closes the channel.
/// - Writes are queued and encrypted on `flush`, all flushed writes into one network write.
/// - `close()` sends close_notify and waits up to ``TLSConfig/Timeouts/closeNotify`` for
///   the peer's; a peer close_notify is answered and the channel closed. A TCP EOF
///   without close_notify fires ``TLSError/Code/uncleanShutdown``.
///
/// In TLS 1.3 a client finishes its handshake before the server has checked the client's
/// certificate, so a client the server rejects sees ``handshakeFuture`` succeed and then a
/// ``TLSError/Code/readFailed`` error carrying the server's alert (for example
/// "tlsv13 alert certificate required"), followed by the channel closing.
///
/// Must be used from its channel's event loop only (like every channel handler).
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Ciphertext from the network.
    public typealias InboundIn = ByteBuffer
    /// Plaintext for the next handler.
    public typealias InboundOut = ByteBuffer
    /// Plaintext from the application.
    public typealias OutboundIn = ByteBuffer
    /// Ciphertext for the network.
    public typealias OutboundOut = ByteBuffer

    private var stateMachine = StateMachine()
    private let connection: SSLConnection
    private let timeouts: TLSConfig.Timeouts
    private let logger: Logger
    /// Receives rejected handshakes instead of a notice each (a flood would otherwise flood the log).
    private let rejections: (any TLSRejectionReporter)?
    private var pendingWrites = CircularBuffer<PendingWrite>(initialCapacity: 4)
    /// How many of `pendingWrites` (from the front) have been flushed by the application.
    private var flushedWriteCount = 0
    private var handshakeTimer: Scheduled<Void>?
    private var closeTimer: Scheduled<Void>?
    private var closePromise: EventLoopPromise<Void>?
    /// Ciphertext was written to the channel without a flush yet.
    private var hasUnflushedCiphertext = false
    private var handshakePromise: EventLoopPromise<TLSHandshakeCompleted>?

    /// The handshake result once it completed, `nil` before (and after a failed handshake).
    public private(set) var handshakeResult: TLSHandshakeCompleted?

    /// The peer's certificate identity once the handshake completed (see ``PeerIdentity``).
    public var peerIdentity: PeerIdentity? { handshakeResult?.peerIdentity }

    /// Succeeds with the handshake result, or fails with the ``TLSError`` that ended the
    /// connection before the handshake completed. Available once the handler is in a pipeline.
    public var handshakeFuture: EventLoopFuture<TLSHandshakeCompleted> {
        guard let handshakePromise else {
            preconditionFailure("TLSHandler.handshakeFuture used before the handler was added to a pipeline")
        }
        return handshakePromise.futureResult
    }

    private struct PendingWrite {
        var data: ByteBuffer
        var promise: EventLoopPromise<Void>?
    }

    /// Creates a handler for one connection from `context`'s current certificates.
    /// - Parameters:
    ///   - context: Server or client context; its role chooses accept or connect.
    ///   - serverHostname: Client side: the name or IP address the server certificate must
    ///     match and the SNI to send; overrides ``TLSConfig/serverName``. Ignored by servers.
    ///   - logger: Receives handshake failures (`notice`) and lifecycle details (`debug`).
    ///   - rejections: Receives handshake failures instead of `logger` (which then logs them at `debug` only), for
    ///     servers that aggregate them (``ConnectionAdmission``).
    /// - Throws: ``TLSError`` when OpenSSL cannot create the connection or the client has
    ///   no server name under full verification.
    public init(
        context: TLSContext,
        serverHostname: String? = nil,
        logger: Logger = Logger(label: "loom.tls"),
        rejections: (any TLSRejectionReporter)? = nil
    ) throws(TLSError) {
        self.rejections = rejections
        let box = context.currentBox
        self.connection = try SSLConnection(contextBox: box, serverHostname: serverHostname)
        self.timeouts = box.configuration.timeouts
        var logger = logger
        logger[metadataKey: "tls.role"] = "\(context.role.rawValue)"
        self.logger = logger
    }

    // MARK: Lifecycle

    /// Starts the handshake if the channel is already active.
    public func handlerAdded(context: ChannelHandlerContext) {
        handshakePromise = context.eventLoop.makePromise(of: TLSHandshakeCompleted.self)
        if case .startHandshake = stateMachine.handlerAdded(channelIsActive: context.channel.isActive) {
            startHandshake(context: context)
        }
    }

    /// Fails everything still pending; the connection is unusable after removal.
    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        let error = TLSError(code: .writeFailed, reason: "the TLS handler was removed")
        failPendingWrites(error)
        handshakePromise?.fail(error)
        closePromise?.fail(error)
        closePromise = nil
    }

    /// Starts the handshake, then forwards the event.
    public func channelActive(context: ChannelHandlerContext) {
        if case .startHandshake = stateMachine.channelActive() {
            startHandshake(context: context)
        }
        context.fireChannelActive()
    }

    /// Reports an EOF during the handshake or an unclean shutdown, then forwards the event.
    public func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        switch stateMachine.channelInactive() {
        case .fail(let error):
            if error.code == .handshakeFailed {
                logRejection(error, context: context)
            } else {
                logger.debug("TLS connection closed without close_notify", metadata: peerMetadata(context))
            }
            handshakePromise?.fail(error)
            failPendingWrites(error)
            context.fireErrorCaught(error)
        case .forward:
            failPendingWrites(TLSError(code: .writeFailed, reason: "the TLS connection closed"))
            handshakePromise?.fail(TLSError(code: .handshakeFailed, reason: "the connection closed"))
        }
        // The peer went away while we waited for its close_notify: the close is complete.
        closePromise?.succeed()
        closePromise = nil
        context.fireChannelInactive()
    }

    // MARK: Reading

    /// Feeds ciphertext to OpenSSL and handshakes or decrypts, by state.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = Self.unwrapInboundIn(data)
        switch stateMachine.channelRead() {
        case .ignore:
            return
        case .handshake:
            connection.consume(ciphertext)
            stepHandshake(context: context)
        case .decode, .decodeForShutdown:
            connection.consume(ciphertext)
            decode(context: context, capacityHint: ciphertext.readableBytes)
        }
    }

    /// Keeps reading during the handshake when autoRead is off, then forwards the event.
    public func channelReadComplete(context: ChannelHandlerContext) {
        readIfAutoReadIsOff(context: context)
        context.fireChannelReadComplete()
    }

    // MARK: Writing

    /// Queues plaintext until the next flush.
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch stateMachine.write() {
        case .enqueue:
            pendingWrites.append(PendingWrite(data: Self.unwrapOutboundIn(data), promise: promise))
        case .fail(let error):
            promise?.fail(error)
        }
    }

    /// Encrypts every queued write into one network write (after the handshake).
    public func flush(context: ChannelHandlerContext) {
        switch stateMachine.flush() {
        case .markFlushed:
            flushedWriteCount = pendingWrites.count
        case .encryptAndSend:
            flushedWriteCount = pendingWrites.count
            encryptFlushedWrites(context: context)
        case .failWrites(let error):
            failPendingWrites(error)
        }
    }

    // MARK: Closing

    /// `close(.all)` sends close_notify and closes once the peer answers or the timeout expires.
    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch stateMachine.closeRequested(mode: mode) {
        case .forward:
            context.close(mode: mode, promise: promise)
        case .unsupported:
            promise?.fail(ChannelError.operationUnsupported)
        case .closeChannel:
            cancelTimers()
            let error = TLSError(code: .writeFailed, reason: "the connection was closed before the handshake completed")
            failPendingWrites(error)
            handshakePromise?.fail(error)
            context.close(mode: mode, promise: promise)
        case .joinPendingClose:
            if let closePromise {
                closePromise.futureResult.cascade(to: promise)
            } else {
                closePromise = promise
            }
        case .sendCloseNotify:
            closePromise = promise
            failPendingWrites(TLSError(code: .writeFailed, reason: "the connection was closed before the data was flushed"))
            let outcome = connection.shutdown()
            sendCiphertext(context: context)
            let shutdownOutcome: StateMachine.ShutdownOutcome
            switch outcome {
            case .complete: shutdownOutcome = .complete
            case .incomplete, .closed: shutdownOutcome = .incomplete
            case .failed(let error): shutdownOutcome = .failed(error)
            }
            performShutdownStep(stateMachine.shutdownStepped(shutdownOutcome), context: context)
        }
    }

    private func performShutdownStep(_ action: StateMachine.OnShutdownStep, context: ChannelHandlerContext) {
        switch action {
        case .none:
            return
        case .waitForPeer:
            let timeout = timeouts.closeNotify
            closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                let action = stateMachine.closeTimedOut()
                if case .closeChannel = action {
                    logger.debug("peer did not answer close_notify in time; closing", metadata: peerMetadata(context))
                }
                performShutdownStep(action, context: context)
            }
        case .closeChannel:
            cancelTimers()
            let promise = closePromise
            closePromise = nil
            context.close(promise: promise)
        }
    }

    // MARK: Handshake

    private func startHandshake(context: ChannelHandlerContext) {
        let timeout = timeouts.handshake
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            handshakeTimer = nil
            performHandshakeStep(stateMachine.handshakeTimedOut(after: timeout), context: context)
        }
        stepHandshake(context: context)
        readIfAutoReadIsOff(context: context)
    }

    /// The handshake needs the peer's flights even when the application reads by hand (autoRead off): the first
    /// read is asked for here, later ones in ``channelReadComplete(context:)``.
    private func readIfAutoReadIsOff(context: ChannelHandlerContext) {
        if stateMachine.isHandshaking, context.channel.isActive,
            let autoRead = try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead), !autoRead
        {
            context.read()
        }
    }

    private func stepHandshake(context: ChannelHandlerContext) {
        let outcome: StateMachine.HandshakeOutcome
        switch connection.doHandshake() {
        case .complete: outcome = .complete
        case .incomplete, .closed: outcome = .incomplete
        case .failed(let error): outcome = .failed(error)
        }
        performHandshakeStep(stateMachine.handshakeStepped(outcome), context: context)
    }

    private func performHandshakeStep(_ action: StateMachine.OnHandshakeStep, context: ChannelHandlerContext) {
        switch action {
        case .none:
            return
        case .sendAndWait:
            sendCiphertext(context: context)
        case .completed:
            handshakeTimer?.cancel()
            handshakeTimer = nil
            sendCiphertext(context: context)
            let result = TLSHandshakeCompleted(
                negotiatedALPN: connection.negotiatedALPN,
                protocolVersion: connection.protocolVersion,
                peerIdentity: connection.peerIdentity()
            )
            handshakeResult = result
            logger.debug(
                "TLS handshake completed",
                metadata: peerMetadata(context).merging([
                    "tls.version": "\(result.protocolVersion)",
                    "tls.alpn": "\(result.negotiatedALPN ?? "-")",
                    "tls.peer": "\(result.peerIdentity.map(String.init(describing:)) ?? "-")",
                ]) { $1 }
            )
            handshakePromise?.succeed(result)
            context.fireUserInboundEventTriggered(result)
            // Application data may have arrived in the same read as the last handshake message.
            decode(context: context, capacityHint: 0)
            if flushedWriteCount > 0 {
                encryptFlushedWrites(context: context)
            }
        case .fail(let error):
            cancelTimers()
            sendCiphertext(context: context)  // the alert, when OpenSSL produced one
            logRejection(error, context: context)
            handshakePromise?.fail(error)
            failPendingWrites(error)
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    // MARK: Data path

    private func decode(context: ChannelHandlerContext, capacityHint: Int) {
        var plaintext = context.channel.allocator.buffer(capacity: max(capacityHint, 256))
        let outcome: StateMachine.ReadOutcome
        switch connection.readPlaintext(into: &plaintext) {
        case .complete, .incomplete: outcome = .incomplete
        case .closed: outcome = .peerClosed
        case .failed(let error): outcome = .failed(error)
        }
        switch stateMachine.decoded(outcome) {
        case .none, .wait:
            return
        case .deliver:
            // A post-handshake message (e.g. KeyUpdate) may need an answer.
            sendCiphertext(context: context)
            deliver(plaintext, context: context)
        case .answerCloseNotifyAndClose:
            deliver(plaintext, context: context)
            failPendingWrites(TLSError(code: .writeFailed, reason: "the peer closed the TLS connection"))
            _ = connection.shutdown()
            sendCiphertext(context: context)
            cancelTimers()
            context.close(promise: nil)
        case .closeChannel:
            sendCiphertext(context: context)
            performShutdownStep(.closeChannel, context: context)
        case .fail(let error):
            deliver(plaintext, context: context)
            fail(error, context: context)
        }
    }

    private func deliver(_ plaintext: ByteBuffer, context: ChannelHandlerContext) {
        guard plaintext.readableBytes > 0 else { return }
        context.fireChannelRead(Self.wrapInboundOut(plaintext))
    }

    /// Encrypts the flushed writes; one network write carries them all, and its promise
    /// completes every application promise. Small writes of one batch share TLS records
    /// (up to 16 KiB of plaintext each) instead of costing a record apiece.
    private func encryptFlushedWrites(context: ChannelHandlerContext) {
        var combined: EventLoopPromise<Void>?
        let coalesce = flushedWriteCount > 1
        var record: ByteBuffer?
        while flushedWriteCount > 0 {
            let write = pendingWrites.removeFirst()
            flushedWriteCount -= 1
            if let promise = write.promise {
                if let combined {
                    combined.futureResult.cascade(to: promise)
                } else {
                    combined = promise
                }
            }
            if coalesce && write.data.readableBytes <= Self.coalescingLimit {
                if record == nil {
                    record = context.channel.allocator.buffer(capacity: Self.maximumRecordPlaintext)
                }
                if record!.readableBytes + write.data.readableBytes > Self.maximumRecordPlaintext {
                    guard encrypt(record!, failing: combined, context: context) else { return }
                    record!.clear()
                }
                record!.writeImmutableBuffer(write.data)
            } else {
                if let pending = record, pending.readableBytes > 0 {
                    guard encrypt(pending, failing: combined, context: context) else { return }
                    record!.clear()
                }
                guard encrypt(write.data, failing: combined, context: context) else { return }
            }
            // Bound the ciphertext held in memory for very large batches.
            if connection.pendingCiphertext >= Self.maximumCiphertextBatch {
                sendCiphertext(context: context, promise: nil, flush: false)
            }
        }
        if let pending = record, pending.readableBytes > 0 {
            guard encrypt(pending, failing: combined, context: context) else { return }
        }
        sendCiphertext(context: context, promise: combined, flush: true)
    }

    /// Encrypts `plaintext`; on failure fails `promise` and the connection and returns false.
    private func encrypt(_ plaintext: ByteBuffer, failing promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) -> Bool {
        guard case .failed(let error) = connection.writePlaintext(plaintext) else { return true }
        promise?.fail(error)
        if case .fail(let error) = stateMachine.writeFailed(error) {
            fail(error, context: context)
        }
        return false
    }

    private static let maximumCiphertextBatch = 256 * 1024
    /// TLS's largest record payload (RFC 8446 §5.1).
    private static let maximumRecordPlaintext = 16 * 1024
    /// Writes up to this size are packed together into shared records.
    private static let coalescingLimit = 4 * 1024

    /// Writes whatever ciphertext OpenSSL produced. `promise` is completed even when there is none.
    private func sendCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil, flush: Bool = true) {
        guard let ciphertext = connection.drainCiphertext(allocator: context.channel.allocator) else {
            if flush && hasUnflushedCiphertext {
                hasUnflushedCiphertext = false
                context.flush()
            }
            promise?.succeed()
            return
        }
        context.write(Self.wrapOutboundOut(ciphertext), promise: promise)
        if flush {
            hasUnflushedCiphertext = false
            context.flush()
        } else {
            hasUnflushedCiphertext = true
        }
    }

    private func fail(_ error: TLSError, context: ChannelHandlerContext) {
        cancelTimers()
        sendCiphertext(context: context)
        logger.debug("TLS connection failed", metadata: peerMetadata(context).merging(["tls.error": "\(error)"]) { $1 })
        failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failPendingWrites(_ error: TLSError) {
        while let write = pendingWrites.popFirst() {
            write.promise?.fail(error)
        }
        flushedWriteCount = 0
    }

    private func cancelTimers() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        closeTimer?.cancel()
        closeTimer = nil
    }

    // MARK: Logging

    private func logRejection(_ error: TLSError, context: ChannelHandlerContext) {
        var metadata = peerMetadata(context)
        metadata["tls.error"] = "\(error.code)"
        metadata["tls.reason"] = "\(error.reason)"
        if !error.openSSLErrors.isEmpty {
            metadata["tls.openssl"] = "\(error.openSSLErrors.joined(separator: "; "))"
        }
        if let rejections {
            logger.debug("TLS handshake rejected", metadata: metadata)
            rejections.handshakeRejected(error, channel: context.channel)
        } else {
            logger.notice("TLS handshake rejected", metadata: metadata)
        }
    }

    private func peerMetadata(_ context: ChannelHandlerContext) -> Logger.Metadata {
        guard let address = context.channel.remoteAddress else { return [:] }
        return ["tls.peer_address": "\(address)"]
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
