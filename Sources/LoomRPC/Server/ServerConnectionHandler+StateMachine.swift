import NIOCore

extension ServerConnectionHandler {
    /// The server side of one connection as a plain value: which calls exist, which call ids were used, whether
    /// the connection drains. Every event returns an action the handler carries out; nothing here does I/O.
    struct StateMachine {
        /// Where one accepted call is in its life.
        enum CallPhase: Hashable {
            /// CALL_START accepted; the single request MESSAGE has not arrived yet.
            case awaitingRequest(RPCFrame.CallStart)
            /// The request arrived and the handler runs.
            case running
        }

        struct Calls {
            /// The highest call id seen in a CALL_START; ids must strictly increase.
            var lastCallID: UInt32 = 0
            var phases: [UInt32: CallPhase] = [:]
        }

        enum State {
            case active(Calls)
            /// GOAWAY sent: calls up to `goAwayCallID` finish, later ones are refused.
            case draining(Calls, goAwayCallID: UInt32)
            case closed
            /// Placeholder while an associated value is mutated in place (avoids copy-on-write).
            case _modifying
        }

        private(set) var state: State = .active(Calls())
        let maxConcurrentCalls: Int

        init(maxConcurrentCalls: Int) {
            precondition(maxConcurrentCalls > 0, "maxConcurrentCalls must be positive")
            self.maxConcurrentCalls = maxConcurrentCalls
        }

        /// The number of calls accepted and not yet finished.
        var activeCallCount: Int {
            switch state {
            case .active(let calls), .draining(let calls, _): calls.phases.count
            case .closed: 0
            case ._modifying: preconditionFailure("state machine observed while being modified")
            }
        }

        // MARK: CALL_START

        enum OnCallStart: Equatable {
            /// Track the call and wait for its request message.
            case accept
            /// Answer the call at once with this status (limit reached, draining).
            case reject(RPCStatus)
            /// The peer broke the protocol: send GOAWAY and close.
            case protocolError(RPCProtocolError)
            /// The connection is closed; drop the frame.
            case ignore
        }

        mutating func receivedCallStart(_ start: RPCFrame.CallStart) -> OnCallStart {
            switch state {
            case .active(var calls):
                state = ._modifying
                defer { state = .active(calls) }
                if let error = Self.advanceCallID(start.callID, in: &calls) { return .protocolError(error) }
                if calls.phases.count >= maxConcurrentCalls {
                    return .reject(
                        RPCStatus(
                            code: .resourceExhausted,
                            message: "too many concurrent calls on this connection (limit \(maxConcurrentCalls))"
                        )
                    )
                }
                calls.phases[start.callID] = .awaitingRequest(start)
                return .accept
            case .draining(var calls, let goAwayCallID):
                state = ._modifying
                defer { state = .draining(calls, goAwayCallID: goAwayCallID) }
                if let error = Self.advanceCallID(start.callID, in: &calls) { return .protocolError(error) }
                return .reject(RPCStatus(code: .unavailable, message: "the server is shutting down; retry elsewhere"))
            case .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call to receivedCallStart")
            }
        }

        private static func advanceCallID(_ id: UInt32, in calls: inout Calls) -> RPCProtocolError? {
            guard id > calls.lastCallID else {
                return .invalidCallID(id, reason: "call ids must increase; last was \(calls.lastCallID)")
            }
            calls.lastCallID = id
            return nil
        }

        // MARK: MESSAGE

        enum OnMessage: Equatable {
            /// Run the handler for this call.
            case run(RPCFrame.CallStart)
            /// The call already ended (cancelled, expired, rejected): drop the message.
            case ignore
            case protocolError(RPCProtocolError)
        }

        mutating func receivedMessage(callID: UInt32) -> OnMessage {
            switch state {
            case .active(var calls), .draining(var calls, _):
                let goAway = drainingCallID
                state = ._modifying
                defer { state = goAway.map { .draining(calls, goAwayCallID: $0) } ?? .active(calls) }
                switch calls.phases[callID] {
                case .awaitingRequest(let start):
                    calls.phases[callID] = .running
                    return .run(start)
                case .running:
                    return .protocolError(.invalidCallID(callID, reason: "a call carries exactly one request message"))
                case nil:
                    if callID <= calls.lastCallID { return .ignore }
                    return .protocolError(.invalidCallID(callID, reason: "MESSAGE for a call that was never started"))
                }
            case .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call to receivedMessage")
            }
        }

        // MARK: Call endings

        enum OnCallEnded: Equatable {
            /// The call was live: carry out the ending (send status or cancel the handler); then close the
            /// connection if `closeConnection` (drain complete).
            case end(closeConnection: Bool)
            /// The call had already ended; do nothing.
            case ignore
        }

        /// The handler finished (successfully or not).
        mutating func callFinished(callID: UInt32) -> OnCallEnded { removeCall(callID) }

        /// The client sent CANCEL.
        mutating func receivedCancel(callID: UInt32) -> OnCallEnded { removeCall(callID) }

        /// The call's deadline passed.
        mutating func deadlineExpired(callID: UInt32) -> OnCallEnded { removeCall(callID) }

        /// The call's request did not arrive in time: ends the call if it still waits for its request.
        mutating func requestTimedOut(callID: UInt32) -> OnCallEnded {
            switch state {
            case .active(let calls), .draining(let calls, _):
                guard case .awaitingRequest = calls.phases[callID] else { return .ignore }
                return removeCall(callID)
            case .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call to requestTimedOut")
            }
        }

        private mutating func removeCall(_ callID: UInt32) -> OnCallEnded {
            switch state {
            case .active(var calls):
                state = ._modifying
                let removed = calls.phases.removeValue(forKey: callID) != nil
                state = .active(calls)
                return removed ? .end(closeConnection: false) : .ignore
            case .draining(var calls, let goAwayCallID):
                state = ._modifying
                let removed = calls.phases.removeValue(forKey: callID) != nil
                state = .draining(calls, goAwayCallID: goAwayCallID)
                return removed ? .end(closeConnection: calls.phases.isEmpty) : .ignore
            case .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call ending")
            }
        }

        // MARK: Connection-level events

        enum OnGracefulShutdown: Equatable {
            /// Send GOAWAY(NO_ERROR, lastCallID); close at once if `closeNow` (no calls in flight).
            case sendGoAway(lastCallID: UInt32, closeNow: Bool)
            /// Already draining or closed.
            case ignore
        }

        mutating func beginGracefulShutdown() -> OnGracefulShutdown {
            switch state {
            case .active(let calls):
                state = .draining(calls, goAwayCallID: calls.lastCallID)
                return .sendGoAway(lastCallID: calls.lastCallID, closeNow: calls.phases.isEmpty)
            case .draining, .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call to beginGracefulShutdown")
            }
        }

        enum OnIdleTimeout: Equatable {
            /// Send GOAWAY(IDLE_TIMEOUT, lastCallID) and close.
            case close(lastCallID: UInt32)
            /// Calls are in flight (or already closed); keep going.
            case ignore
        }

        mutating func idleTimeoutFired() -> OnIdleTimeout {
            switch state {
            case .active(let calls), .draining(let calls, _):
                guard calls.phases.isEmpty else { return .ignore }
                state = .closed
                return .close(lastCallID: calls.lastCallID)
            case .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call to idleTimeoutFired")
            }
        }

        /// The connection is going away abruptly (protocol error, I/O error, peer closed). Returns the last call id
        /// accepted (for a GOAWAY) and the calls whose handlers must be cancelled.
        mutating func close() -> (lastCallID: UInt32, liveCalls: [UInt32])? {
            switch state {
            case .active(let calls), .draining(let calls, _):
                state = .closed
                return (calls.lastCallID, Array(calls.phases.keys))
            case .closed:
                return nil
            case ._modifying:
                preconditionFailure("re-entrant call to close")
            }
        }

        private var drainingCallID: UInt32? {
            if case .draining(_, let id) = state { return id }
            return nil
        }
    }
}
