import Synchronization

/// Flow control for the server-streamed responses of one client connection (the protocol has no window of its own).
///
/// A streamed message counts against the connection from when the handler hands it to its stream until the caller
/// takes it. Past ``limit`` the handler stops taking frames and reading: TCP backpressure reaches the server, whose
/// stream writes wait (they complete only once the bytes leave). When callers have taken the total down to half the
/// limit, reading resumes. While reading is paused, other calls on the connection wait too; a caller that watches
/// a stream without consuming it should use its own client.
final class StreamFlowControl: Sendable {
    /// Buffered bytes past which the connection stops reading.
    let limit: Int
    private let state = Mutex<(buffered: Int, paused: Bool)>((0, false))

    init(limit: Int) {
        self.limit = limit
    }

    /// Whether reading is paused.
    var isPaused: Bool { state.withLock { $0.paused } }

    /// Bytes not yet taken by callers.
    var bufferedBytes: Int { state.withLock { $0.buffered } }

    /// `bytes` were handed to a stream. Returns whether the connection must stop reading now.
    fileprivate func delivered(_ bytes: Int) -> Bool {
        state.withLock { state in
            state.buffered += bytes
            if state.buffered > limit { state.paused = true }
            return state.paused
        }
    }

    /// Callers took `bytes`, or a stream ended with them untaken. Returns whether reading must resume.
    fileprivate func released(_ bytes: Int) -> Bool {
        state.withLock { state in
            state.buffered -= bytes
            guard state.paused, state.buffered <= limit / 2 else { return false }
            state.paused = false
            return true
        }
    }
}

/// One streaming call's share of its connection's ``StreamFlowControl``.
///
/// When the stream ends (finished, failed, or dropped by its caller) whatever the caller never took is released
/// at once, so an abandoned stream cannot keep its connection paused.
final class StreamReceiveAccount: Sendable {
    private let flow: StreamFlowControl
    private let resumeReading: @Sendable () -> Void
    private let state = Mutex<(buffered: Int, closed: Bool)>((0, false))

    /// - Parameters:
    ///   - flow: The connection's flow control.
    ///   - resumeReading: Called (from any thread) when the connection may read again.
    init(flow: StreamFlowControl, resumeReading: @escaping @Sendable () -> Void) {
        self.flow = flow
        self.resumeReading = resumeReading
    }

    /// Event loop: a message of `bytes` was handed to the stream. Returns whether the connection must stop reading.
    func delivered(_ bytes: Int) -> Bool {
        let counted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.buffered += bytes
            return true
        }
        return counted ? flow.delivered(bytes) : flow.isPaused
    }

    /// The caller took a message of `bytes`.
    func taken(_ bytes: Int) {
        let counted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.buffered -= bytes
            return true
        }
        if counted, flow.released(bytes) { resumeReading() }
    }

    /// The stream ended: releases what the caller never took.
    func close() {
        let untaken = state.withLock { state -> Int in
            guard !state.closed else { return 0 }
            state.closed = true
            defer { state.buffered = 0 }
            return state.buffered
        }
        if untaken > 0, flow.released(untaken) { resumeReading() }
    }
}
