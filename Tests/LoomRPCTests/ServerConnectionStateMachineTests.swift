import NIOCore
import Testing

@testable import LoomRPC

@Suite("Server connection state machine")
struct ServerConnectionStateMachineTests {
    typealias Machine = ServerConnectionHandler.StateMachine

    static func start(_ id: UInt32, _ method: String = "/m") -> RPCFrame.CallStart {
        .init(callID: id, method: method, timeout: nil, metadata: [:])
    }

    @Test("accepts a call, runs it on its request, and ends it once")
    func lifecycle() {
        var machine = Machine(maxConcurrentCalls: 4)
        #expect(machine.receivedCallStart(Self.start(1)) == .accept)
        #expect(machine.receivedMessage(callID: 1) == .run(Self.start(1)))
        #expect(machine.activeCallCount == 1)
        #expect(machine.callFinished(callID: 1) == .end(closeConnection: false))
        #expect(machine.callFinished(callID: 1) == .ignore)
        #expect(machine.activeCallCount == 0)
    }

    @Test("a reused or decreasing call id is a protocol error", arguments: [UInt32(5), 3])
    func callIDReuse(id: UInt32) {
        var machine = Machine(maxConcurrentCalls: 4)
        #expect(machine.receivedCallStart(Self.start(5)) == .accept)
        guard case .protocolError = machine.receivedCallStart(Self.start(id)) else {
            Issue.record("expected a protocol error")
            return
        }
    }

    @Test("past the concurrency limit a call is rejected with RESOURCE_EXHAUSTED, and its id is still consumed")
    func concurrencyLimit() {
        var machine = Machine(maxConcurrentCalls: 2)
        #expect(machine.receivedCallStart(Self.start(1)) == .accept)
        #expect(machine.receivedCallStart(Self.start(2)) == .accept)
        guard case .reject(let status) = machine.receivedCallStart(Self.start(3)) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(status.code == .resourceExhausted)
        // The rejected call's request arrives afterwards and is dropped, not a protocol error.
        #expect(machine.receivedMessage(callID: 3) == .ignore)
        #expect(machine.callFinished(callID: 1) == .end(closeConnection: false))
        #expect(machine.receivedCallStart(Self.start(4)) == .accept)
    }

    @Test("a message for a call never started, or a second request, is a protocol error")
    func unexpectedMessages() {
        var machine = Machine(maxConcurrentCalls: 4)
        guard case .protocolError = machine.receivedMessage(callID: 1) else {
            Issue.record("expected a protocol error for an unknown call")
            return
        }
        var other = Machine(maxConcurrentCalls: 4)
        _ = other.receivedCallStart(Self.start(1))
        _ = other.receivedMessage(callID: 1)
        guard case .protocolError = other.receivedMessage(callID: 1) else {
            Issue.record("expected a protocol error for a second request")
            return
        }
    }

    @Test("cancel and deadline end a live call; later events for it are ignored")
    func cancelAndDeadline() {
        var machine = Machine(maxConcurrentCalls: 4)
        _ = machine.receivedCallStart(Self.start(1))
        _ = machine.receivedCallStart(Self.start(2))
        #expect(machine.receivedCancel(callID: 1) == .end(closeConnection: false))
        #expect(machine.receivedMessage(callID: 1) == .ignore)
        #expect(machine.deadlineExpired(callID: 2) == .end(closeConnection: false))
        #expect(machine.callFinished(callID: 2) == .ignore)
        #expect(machine.receivedCancel(callID: 77) == .ignore)
    }

    @Test("graceful shutdown sends GOAWAY with the last call id, refuses new calls and closes when drained")
    func drain() {
        var machine = Machine(maxConcurrentCalls: 4)
        _ = machine.receivedCallStart(Self.start(1))
        _ = machine.receivedMessage(callID: 1)
        _ = machine.receivedCallStart(Self.start(3))
        #expect(machine.beginGracefulShutdown() == .sendGoAway(lastCallID: 3, closeNow: false))
        #expect(machine.beginGracefulShutdown() == .ignore)
        guard case .reject(let status) = machine.receivedCallStart(Self.start(4)) else {
            Issue.record("expected a rejection while draining")
            return
        }
        #expect(status.code == .unavailable)
        // Call 3's request still arrives and runs.
        #expect(machine.receivedMessage(callID: 3) == .run(Self.start(3)))
        #expect(machine.callFinished(callID: 1) == .end(closeConnection: false))
        #expect(machine.callFinished(callID: 3) == .end(closeConnection: true))
    }

    @Test("graceful shutdown of an idle connection closes at once")
    func drainIdle() {
        var machine = Machine(maxConcurrentCalls: 4)
        #expect(machine.beginGracefulShutdown() == .sendGoAway(lastCallID: 0, closeNow: true))
    }

    @Test("the idle timeout closes only a connection without calls")
    func idle() {
        var machine = Machine(maxConcurrentCalls: 4)
        _ = machine.receivedCallStart(Self.start(2))
        #expect(machine.idleTimeoutFired() == .ignore)
        _ = machine.receivedCancel(callID: 2)
        #expect(machine.idleTimeoutFired() == .close(lastCallID: 2))
        #expect(machine.receivedCallStart(Self.start(3)) == .ignore)
    }

    @Test("closing reports the calls whose handlers must be cancelled")
    func close() {
        var machine = Machine(maxConcurrentCalls: 4)
        _ = machine.receivedCallStart(Self.start(1))
        _ = machine.receivedCallStart(Self.start(2))
        let closed = machine.close()
        #expect(closed?.lastCallID == 2)
        #expect(Set(closed?.liveCalls ?? []) == [1, 2])
        #expect(machine.close() == nil)
    }
}

@Suite("Client connection state machine")
struct ClientConnectionStateMachineTests {
    typealias Machine = ClientConnectionHandler.StateMachine

    @Test("allocates strictly increasing call ids starting at 1")
    func ids() {
        var machine = Machine()
        #expect(machine.startCall() == .start(callID: 1))
        #expect(machine.startCall() == .start(callID: 2))
        #expect(machine.receivedStatus(callID: 1) == .end(closeConnection: false))
        #expect(machine.startCall() == .start(callID: 3))
    }

    @Test("messages and statuses for ended calls are ignored")
    func ended() {
        var machine = Machine()
        _ = machine.startCall()
        #expect(machine.cancelCall(callID: 1) == .end(closeConnection: false))
        #expect(machine.receivedMessage(callID: 1) == .ignore)
        #expect(machine.receivedStatus(callID: 1) == .ignore)
    }

    @Test("GOAWAY fails calls above the last accepted id, stops new calls and closes when drained")
    func goAway() {
        var machine = Machine()
        for _ in 1...4 { _ = machine.startCall() }
        #expect(machine.receivedGoAway(lastCallID: 2) == .drain(failCalls: [3, 4], closeNow: false))
        #expect(!machine.acceptsCalls)
        guard case .fail(let error) = machine.startCall() else {
            Issue.record("expected a failure while draining")
            return
        }
        #expect(error.code == .unavailable)
        #expect(machine.receivedStatus(callID: 1) == .end(closeConnection: false))
        #expect(machine.receivedStatus(callID: 2) == .end(closeConnection: true))
    }

    @Test("keepalive pings, and closes when a ping goes unanswered")
    func keepalive() {
        var machine = Machine()
        #expect(machine.keepaliveTimerFired() == .sendPing)
        machine.receivedPong()
        #expect(machine.keepaliveTimerFired() == .sendPing)
        #expect(machine.keepaliveTimerFired() == .close)
    }

    @Test("close returns every live call")
    func close() {
        var machine = Machine()
        for _ in 1...3 { _ = machine.startCall() }
        _ = machine.receivedStatus(callID: 2)
        #expect(machine.close() == [1, 3])
        #expect(machine.close() == [])
    }
}
