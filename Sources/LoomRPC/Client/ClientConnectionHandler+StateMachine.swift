extension ClientConnectionHandler {
    /// The client side of one connection as a plain value: call id allocation, live calls, GOAWAY and keepalive.
    /// Every event returns an action the handler carries out; nothing here does I/O.
    struct StateMachine {
        struct Calls {
            /// The id the next call gets; ids strictly increase on a connection.
            var nextCallID: UInt32 = 1
            var live: Set<UInt32> = []
            /// A PING is outstanding (keepalive).
            var awaitingPong = false
        }

        enum State {
            case active(Calls)
            /// The server sent GOAWAY: calls up to its last call id finish, no new call starts here.
            case draining(Calls)
            case closed
            /// Placeholder while an associated value is mutated in place (avoids copy-on-write).
            case _modifying
        }

        private(set) var state: State = .active(Calls())

        /// Whether new calls may start on this connection.
        var acceptsCalls: Bool {
            if case .active = state { return true }
            return false
        }

        // MARK: Calls

        enum OnStartCall: Equatable {
            /// Send CALL_START and the request with this id.
            case start(callID: UInt32)
            /// The connection cannot take the call (draining, closed, or its call ids are used up).
            case fail(RPCError)
        }

        mutating func startCall() -> OnStartCall {
            switch state {
            case .active(var calls):
                state = ._modifying
                let id = calls.nextCallID
                calls.live.insert(id)
                if id == UInt32.max {
                    // The id space is exhausted: finish what runs, then reconnect.
                    state = .draining(calls)
                } else {
                    calls.nextCallID = id + 1
                    state = .active(calls)
                }
                return .start(callID: id)
            case .draining:
                return .fail(RPCError(code: .unavailable, message: "the connection is draining"))
            case .closed:
                return .fail(RPCError(code: .unavailable, message: "the connection is closed"))
            case ._modifying:
                preconditionFailure("re-entrant call to startCall")
            }
        }

        enum OnReceivedMessage: Equatable {
            case deliver
            /// A message for a call that ended locally (cancelled, deadline): drop it.
            case ignore
        }

        func receivedMessage(callID: UInt32) -> OnReceivedMessage {
            switch state {
            case .active(let calls), .draining(let calls):
                calls.live.contains(callID) ? .deliver : .ignore
            case .closed:
                .ignore
            case ._modifying:
                preconditionFailure("state machine observed while being modified")
            }
        }

        enum OnCallEnded: Equatable {
            /// The call was live and is now over; close the connection if `closeConnection` (drained).
            case end(closeConnection: Bool)
            /// The call had already ended; do nothing.
            case ignore
        }

        /// A STATUS arrived for the call.
        mutating func receivedStatus(callID: UInt32) -> OnCallEnded { endCall(callID) }

        /// The caller cancelled the call, or its deadline passed: the handler fails it locally and sends CANCEL.
        mutating func cancelCall(callID: UInt32) -> OnCallEnded { endCall(callID) }

        private mutating func endCall(_ callID: UInt32) -> OnCallEnded {
            switch state {
            case .active(var calls):
                state = ._modifying
                let removed = calls.live.remove(callID) != nil
                state = .active(calls)
                return removed ? .end(closeConnection: false) : .ignore
            case .draining(var calls):
                state = ._modifying
                let removed = calls.live.remove(callID) != nil
                state = .draining(calls)
                return removed ? .end(closeConnection: calls.live.isEmpty) : .ignore
            case .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call ending")
            }
        }

        // MARK: Connection events

        enum OnGoAway: Equatable {
            /// Fail these calls (the server will not serve them) with UNAVAILABLE; close now if `closeNow`.
            case drain(failCalls: [UInt32], closeNow: Bool)
            case ignore
        }

        mutating func receivedGoAway(lastCallID: UInt32) -> OnGoAway {
            switch state {
            case .active(var calls), .draining(var calls):
                state = ._modifying
                let refused = calls.live.filter { $0 > lastCallID }.sorted()
                calls.live.subtract(refused)
                state = .draining(calls)
                return .drain(failCalls: refused, closeNow: calls.live.isEmpty)
            case .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call to receivedGoAway")
            }
        }

        enum OnKeepaliveTimer: Equatable {
            /// Send a PING and wait for its PONG.
            case sendPing
            /// The previous PING went unanswered: the connection is dead.
            case close
            case ignore
        }

        mutating func keepaliveTimerFired() -> OnKeepaliveTimer {
            switch state {
            case .active(var calls), .draining(var calls):
                let draining = !acceptsCalls
                state = ._modifying
                defer { state = draining ? .draining(calls) : .active(calls) }
                if calls.awaitingPong { return .close }
                calls.awaitingPong = true
                return .sendPing
            case .closed:
                return .ignore
            case ._modifying:
                preconditionFailure("re-entrant call to keepaliveTimerFired")
            }
        }

        mutating func receivedPong() {
            switch state {
            case .active(var calls):
                calls.awaitingPong = false
                state = .active(calls)
            case .draining(var calls):
                calls.awaitingPong = false
                state = .draining(calls)
            case .closed:
                break
            case ._modifying:
                preconditionFailure("re-entrant call to receivedPong")
            }
        }

        /// The connection closed or must close: returns the calls to fail.
        mutating func close() -> [UInt32] {
            switch state {
            case .active(let calls), .draining(let calls):
                state = .closed
                return calls.live.sorted()
            case .closed:
                return []
            case ._modifying:
                preconditionFailure("re-entrant call to close")
            }
        }
    }
}
