import NIOCore

extension TLSHandler {
    /// The TLS connection's lifecycle as a pure value: events in, actions out.
    ///
    /// The handler reports channel events and the outcomes of libssl calls; each method
    /// returns the single action the handler must carry out. No I/O happens here, so the
    /// transitions are tested without sockets or OpenSSL. Every `switch` lists every
    /// state, without `default`.
    ///
    /// ```
    /// idle ──active──▶ handshaking ──complete──▶ active ──close()──▶ closing ──peer close_notify──▶ closed
    ///                      │  (failure, timeout, EOF)        │ (peer close_notify, failure,     │ (timeout, EOF)
    ///                      └───────────────▶ closed ◀────────┘  EOF = unclean)  ◀───────────────┘
    /// ```
    struct StateMachine: Sendable {
        /// Where the connection is.
        enum State: Equatable, Sendable {
            /// Handler added, channel not yet active.
            case idle
            /// Handshake messages are being exchanged.
            case handshaking
            /// Application data flows both ways.
            case active
            /// We sent close_notify and wait (bounded) for the peer's.
            case closing
            /// Nothing more is read or written; the channel is closed or closing.
            case closed
        }

        /// The outcome of one handshake step, as reported by the handler.
        enum HandshakeOutcome: Equatable, Sendable {
            case complete
            case incomplete
            case failed(TLSError)
        }

        /// The outcome of decrypting buffered ciphertext.
        enum ReadOutcome: Equatable, Sendable {
            /// Buffered ciphertext used up; wait for more.
            case incomplete
            /// The peer's close_notify arrived.
            case peerClosed
            /// Fatal error.
            case failed(TLSError)
        }

        /// The outcome of `SSL_shutdown`.
        enum ShutdownOutcome: Equatable, Sendable {
            /// Both close_notify messages exchanged.
            case complete
            /// Ours sent, theirs outstanding.
            case incomplete
            /// Could not send ours.
            case failed(TLSError)
        }

        private(set) var state: State = .idle

        init() {}

        // MARK: Starting

        /// What to do when the handshake may begin.
        enum OnStart: Equatable, Sendable {
            /// Run the first handshake step and start the handshake timer.
            case startHandshake
            /// Nothing (not active yet, or already started).
            case none
        }

        /// The handler was added; `channelIsActive` says whether the channel already is.
        mutating func handlerAdded(channelIsActive: Bool) -> OnStart {
            channelIsActive ? channelActive() : .none
        }

        /// The channel became active.
        mutating func channelActive() -> OnStart {
            switch state {
            case .idle:
                state = .handshaking
                return .startHandshake
            case .handshaking, .active, .closing, .closed:
                return .none
            }
        }

        // MARK: Handshake

        /// What to do after a handshake step.
        enum OnHandshakeStep: Equatable, Sendable {
            /// Send what OpenSSL produced and wait for the peer.
            case sendAndWait
            /// Handshake done: send what is left, report the result, decode buffered
            /// application data, release flushed writes.
            case completed
            /// Send the alert, report `error`, fail pending writes, close the channel.
            case fail(TLSError)
            /// The connection was torn down meanwhile; do nothing.
            case none
        }

        /// A handshake step finished with `outcome`.
        mutating func handshakeStepped(_ outcome: HandshakeOutcome) -> OnHandshakeStep {
            switch state {
            case .handshaking:
                switch outcome {
                case .complete:
                    state = .active
                    return .completed
                case .incomplete:
                    return .sendAndWait
                case .failed(let error):
                    state = .closed
                    return .fail(error)
                }
            case .idle:
                preconditionFailure("TLSHandler: handshake step before the handshake started")
            case .active, .closing, .closed:
                return .none
            }
        }

        /// The handshake timer fired.
        mutating func handshakeTimedOut(after timeout: TimeAmount) -> OnHandshakeStep {
            switch state {
            case .handshaking:
                state = .closed
                let seconds = Double(timeout.nanoseconds) / 1_000_000_000
                return .fail(TLSError(code: .handshakeTimedOut, reason: "handshake not completed within \(seconds) s"))
            case .idle, .active, .closing, .closed:
                return .none
            }
        }

        // MARK: Reading

        /// What to do with ciphertext that arrived.
        enum OnChannelRead: Equatable, Sendable {
            /// Feed it to OpenSSL and run a handshake step.
            case handshake
            /// Feed it to OpenSSL and decrypt application data.
            case decode
            /// Feed it to OpenSSL only to look for the peer's close_notify; drop the data.
            case decodeForShutdown
            /// Drop it (connection closed or not yet started).
            case ignore
        }

        /// Ciphertext arrived from the network.
        func channelRead() -> OnChannelRead {
            switch state {
            case .idle, .closed: .ignore
            case .handshaking: .handshake
            case .active: .decode
            case .closing: .decodeForShutdown
            }
        }

        /// What to do after decrypting.
        enum OnDecoded: Equatable, Sendable {
            /// Pass the plaintext on; send anything OpenSSL produced (e.g. a KeyUpdate reply).
            case deliver
            /// Pass the plaintext on, fail pending writes, answer with our close_notify, close.
            case answerCloseNotifyAndClose
            /// Shutdown finished (close_notify exchanged): close the channel.
            case closeChannel
            /// Nothing more to do yet (closing, peer's close_notify not here).
            case wait
            /// Pass the plaintext on, send any alert, report `error`, close.
            case fail(TLSError)
            /// Connection already torn down.
            case none
        }

        /// Decryption finished with `outcome`.
        mutating func decoded(_ outcome: ReadOutcome) -> OnDecoded {
            switch state {
            case .active:
                switch outcome {
                case .incomplete:
                    return .deliver
                case .peerClosed:
                    state = .closed
                    return .answerCloseNotifyAndClose
                case .failed(let error):
                    state = .closed
                    return .fail(error)
                }
            case .closing:
                switch outcome {
                case .incomplete:
                    return .wait
                case .peerClosed, .failed:
                    // Errors after our close_notify only end the wait early.
                    state = .closed
                    return .closeChannel
                }
            case .idle, .handshaking:
                preconditionFailure("TLSHandler: decrypting application data before the handshake completed")
            case .closed:
                return .none
            }
        }

        // MARK: Writing

        /// What to do with an outbound write.
        enum OnWrite: Equatable, Sendable {
            /// Queue it until flushed (and until the handshake completed).
            case enqueue
            /// Fail its promise: the connection no longer accepts writes.
            case fail(TLSError)
        }

        /// The application wrote plaintext.
        func write() -> OnWrite {
            switch state {
            case .idle, .handshaking, .active: .enqueue
            case .closing, .closed: .fail(Self.notWritable)
            }
        }

        /// What to do on flush.
        enum OnFlush: Equatable, Sendable {
            /// Mark the queued writes flushed; they are encrypted when the handshake completes.
            case markFlushed
            /// Encrypt the queued writes and send them as one network write.
            case encryptAndSend
            /// Fail the queued writes.
            case failWrites(TLSError)
        }

        /// The application flushed.
        func flush() -> OnFlush {
            switch state {
            case .idle, .handshaking: .markFlushed
            case .active: .encryptAndSend
            case .closing, .closed: .failWrites(Self.notWritable)
            }
        }

        /// Encrypting a write failed fatally.
        mutating func writeFailed(_ error: TLSError) -> OnDecoded {
            switch state {
            case .active, .handshaking, .idle, .closing:
                state = .closed
                return .fail(error)
            case .closed:
                return .none
            }
        }

        // MARK: Closing

        /// What to do when the application closes the channel.
        enum OnClose: Equatable, Sendable {
            /// Fail queued writes, send close_notify, wait (bounded) for the peer's.
            case sendCloseNotify
            /// Close the channel now, without close_notify (handshake not complete).
            case closeChannel
            /// A close is already under way: complete this promise with it.
            case joinPendingClose
            /// Pass the close on unchanged (already closed, or a half-close of input).
            case forward
            /// Fail the promise: half-closing the output is not supported over TLS here.
            case unsupported
        }

        /// The application asked to close (`mode` as in `ChannelHandlerContext.close`).
        mutating func closeRequested(mode: CloseMode) -> OnClose {
            switch mode {
            case .input:
                return .forward
            case .output:
                return .unsupported
            case .all:
                break
            }
            switch state {
            case .idle, .handshaking:
                state = .closed
                return .closeChannel
            case .active:
                state = .closing
                return .sendCloseNotify
            case .closing:
                return .joinPendingClose
            case .closed:
                return .forward
            }
        }

        /// What to do after our `SSL_shutdown` call.
        enum OnShutdownStep: Equatable, Sendable {
            /// Wait for the peer's close_notify; start the close timer.
            case waitForPeer
            /// Close the channel.
            case closeChannel
            /// Nothing (already closed).
            case none
        }

        /// `SSL_shutdown` returned `outcome` while closing.
        mutating func shutdownStepped(_ outcome: ShutdownOutcome) -> OnShutdownStep {
            switch state {
            case .closing:
                switch outcome {
                case .incomplete:
                    return .waitForPeer
                case .complete, .failed:
                    state = .closed
                    return .closeChannel
                }
            case .idle, .handshaking, .active:
                preconditionFailure("TLSHandler: shutdown step outside the closing state")
            case .closed:
                return .none
            }
        }

        /// The close_notify timer fired.
        mutating func closeTimedOut() -> OnShutdownStep {
            switch state {
            case .closing:
                state = .closed
                return .closeChannel
            case .idle, .handshaking, .active, .closed:
                return .none
            }
        }

        // MARK: Teardown

        /// What to do when the TCP connection went away.
        enum OnInactive: Equatable, Sendable {
            /// Report `error` (EOF during the handshake, or unclean shutdown), fail pending
            /// work, then forward `channelInactive`.
            case fail(TLSError)
            /// Complete a pending close, fail pending work, forward `channelInactive`.
            case forward
        }

        /// The channel became inactive.
        mutating func channelInactive() -> OnInactive {
            switch state {
            case .idle, .closing, .closed:
                state = .closed
                return .forward
            case .handshaking:
                state = .closed
                return .fail(
                    TLSError(code: .handshakeFailed, reason: "connection closed by the peer during the handshake"))
            case .active:
                state = .closed
                return .fail(
                    TLSError(code: .uncleanShutdown, reason: "connection closed by the peer without close_notify"))
            }
        }

        /// Whether the handshake is still running (a read must be requested even without autoRead).
        var isHandshaking: Bool {
            switch state {
            case .handshaking: true
            case .idle, .active, .closing, .closed: false
            }
        }

        private static let notWritable = TLSError(code: .writeFailed, reason: "the TLS connection is closing or closed")
    }
}
