@testable import LoomTLS
import NIOCore
import Testing

/// The TLS handler's transitions, as a plain value: no channel, no OpenSSL.
@Suite("TLS handler state machine")
struct TLSStateMachineTests {
    typealias Machine = TLSHandler.StateMachine
    private let failure = TLSError(code: .handshakeFailed, reason: "test")

    private func active() -> Machine {
        var machine = Machine()
        _ = machine.channelActive()
        _ = machine.handshakeStepped(.complete)
        return machine
    }

    @Test("the handshake starts once, when the channel becomes active")
    func handshakeStartsOnce() {
        var machine = Machine()
        #expect(machine.handlerAdded(channelIsActive: false) == .none)
        #expect(machine.state == .idle)
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.channelActive() == .none)
        #expect(machine.state == .handshaking)

        var alreadyActive = Machine()
        #expect(alreadyActive.handlerAdded(channelIsActive: true) == .startHandshake)
    }

    @Test("handshake steps: wait for more, complete, or fail and close")
    func handshakeSteps() {
        var machine = Machine()
        _ = machine.channelActive()
        #expect(machine.channelRead() == .handshake)
        #expect(machine.handshakeStepped(.incomplete) == .sendAndWait)
        #expect(machine.state == .handshaking)
        #expect(machine.handshakeStepped(.complete) == .completed)
        #expect(machine.state == .active)
        #expect(machine.channelRead() == .decode)

        var failing = Machine()
        _ = failing.channelActive()
        #expect(failing.handshakeStepped(.failed(failure)) == .fail(failure))
        #expect(failing.state == .closed)
        #expect(failing.channelRead() == .ignore)
    }

    @Test("the handshake timer fails only an unfinished handshake")
    func handshakeTimeout() {
        var machine = Machine()
        _ = machine.channelActive()
        guard case .fail(let error) = machine.handshakeTimedOut(after: .milliseconds(1500)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .handshakeTimedOut)
        #expect(error.reason.contains("1.5 s"))
        #expect(machine.state == .closed)
        // A timer that fires late, after completion, changes nothing.
        var done = active()
        #expect(done.handshakeTimedOut(after: .seconds(10)) == .none)
        #expect(done.state == .active)
    }

    @Test("writes queue until the handshake completes and fail once closing")
    func writesAndFlushes() {
        var machine = Machine()
        #expect(machine.write() == .enqueue)
        #expect(machine.flush() == .markFlushed)
        _ = machine.channelActive()
        #expect(machine.flush() == .markFlushed)
        _ = machine.handshakeStepped(.complete)
        #expect(machine.flush() == .encryptAndSend)
        #expect(machine.closeRequested(mode: .all) == .sendCloseNotify)
        guard case .fail = machine.write(), case .failWrites = machine.flush() else {
            Issue.record("writes after close must fail")
            return
        }
    }

    @Test("close before the handshake completes closes at once; a second close joins the first")
    func closing() {
        var handshaking = Machine()
        _ = handshaking.channelActive()
        #expect(handshaking.closeRequested(mode: .all) == .closeChannel)
        #expect(handshaking.state == .closed)
        #expect(handshaking.closeRequested(mode: .all) == .forward)

        var machine = active()
        #expect(machine.closeRequested(mode: .output) == .unsupported)
        #expect(machine.closeRequested(mode: .input) == .forward)
        #expect(machine.state == .active)
        #expect(machine.closeRequested(mode: .all) == .sendCloseNotify)
        #expect(machine.closeRequested(mode: .all) == .joinPendingClose)
        #expect(machine.channelRead() == .decodeForShutdown)
        #expect(machine.shutdownStepped(.incomplete) == .waitForPeer)
        #expect(machine.decoded(.incomplete) == .wait)
        #expect(machine.decoded(.peerClosed) == .closeChannel)
        #expect(machine.state == .closed)
        #expect(machine.closeTimedOut() == .none)
    }

    @Test("the close timer closes a connection whose peer never answers close_notify")
    func closeTimeout() {
        var machine = active()
        _ = machine.closeRequested(mode: .all)
        #expect(machine.shutdownStepped(.incomplete) == .waitForPeer)
        #expect(machine.closeTimedOut() == .closeChannel)
        #expect(machine.state == .closed)
    }

    @Test("a peer close_notify is answered and closes the channel")
    func peerCloseNotify() {
        var machine = active()
        #expect(machine.decoded(.incomplete) == .deliver)
        #expect(machine.decoded(.peerClosed) == .answerCloseNotifyAndClose)
        #expect(machine.state == .closed)
        #expect(machine.decoded(.incomplete) == .none)
    }

    @Test("a decryption error fails the connection")
    func decryptFailure() {
        var machine = active()
        let error = TLSError(code: .readFailed, reason: "bad record mac")
        #expect(machine.decoded(.failed(error)) == .fail(error))
        #expect(machine.state == .closed)
    }

    @Test(
        "EOF is an error during the handshake and while active, and normal otherwise",
        arguments: [
            ("idle", nil), ("handshaking", TLSError.Code.handshakeFailed), ("active", .uncleanShutdown),
            ("closing", nil), ("closed", nil),
        ] as [(String, TLSError.Code?)]
    )
    func endOfFile(state: String, expected: TLSError.Code?) {
        var machine = Machine()
        switch state {
        case "idle": break
        case "handshaking": _ = machine.channelActive()
        case "active": machine = active()
        case "closing":
            machine = active()
            _ = machine.closeRequested(mode: .all)
        default:
            machine = active()
            _ = machine.decoded(.peerClosed)
        }
        switch machine.channelInactive() {
        case .fail(let error): #expect(error.code == expected)
        case .forward: #expect(expected == nil)
        }
        #expect(machine.state == .closed)
    }
}
