@testable import LoomHTTP
import NIOCore
import NIOHTTP1
import Testing

@Suite("Shim connection state machine")
struct ShimConnectionStateMachineTests {
    typealias Machine = ShimConnectionHandler.StateMachine

    static func head(_ headers: HTTPHeaders = [:], keepAlive: Bool = true) -> HTTPRequestHead {
        var headers = headers
        if !keepAlive { headers.add(name: "connection", value: "close") }
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: "/event/x", headers: headers)
    }

    @Test("a request is dispatched once complete, and its response is written keeping the connection")
    func happyPath() {
        var machine = Machine(maxBodySize: 10)
        #expect(machine.receivedHead(Self.head()) == .none)
        #expect(machine.receivedBody(ByteBuffer(string: "12345")) == .none)
        #expect(machine.receivedBody(ByteBuffer(string: "678")) == .none)
        guard case .dispatch(let id, _, let body) = machine.receivedEnd() else {
            Issue.record("expected dispatch")
            return
        }
        #expect(String(buffer: body) == "12345678")
        let response = ShimResponse(status: .accepted)
        #expect(machine.responseReady(id: id, response) == .write(response, close: false))
        #expect(machine.receivedHead(Self.head()) == .none)
    }

    @Test("a declared Content-Length over the limit is answered 413 at once and the connection closes")
    func declaredTooLarge() {
        var machine = Machine(maxBodySize: 10)
        guard case .write(let response, true) = machine.receivedHead(Self.head(["content-length": "11"])) else {
            Issue.record("expected 413")
            return
        }
        #expect(response.status == .payloadTooLarge)
        #expect(machine.receivedBody(ByteBuffer(string: "ignored")) == .none)
        #expect(machine.receivedEnd() == .none)
    }

    @Test("a chunked body growing over the limit is answered 413")
    func streamedTooLarge() {
        var machine = Machine(maxBodySize: 4)
        _ = machine.receivedHead(Self.head())
        #expect(machine.receivedBody(ByteBuffer(string: "1234")) == .none)
        guard case .write(let response, true) = machine.receivedBody(ByteBuffer(string: "5")) else {
            Issue.record("expected 413")
            return
        }
        #expect(response.status == .payloadTooLarge)
    }

    @Test("a timed-out request gets 503 and close; its late response is dropped")
    func timeout() {
        var machine = Machine(maxBodySize: 10)
        _ = machine.receivedHead(Self.head())
        guard case .dispatch(let id, _, _) = machine.receivedEnd() else {
            Issue.record("expected dispatch")
            return
        }
        guard case .write(let response, true) = machine.requestTimedOut(id: id) else {
            Issue.record("expected 503")
            return
        }
        #expect(response.status == .serviceUnavailable)
        #expect(machine.responseReady(id: id, ShimResponse(status: .ok)) == .none)
    }

    @Test("Connection: close requests close after the response")
    func notKeepAlive() {
        var machine = Machine(maxBodySize: 10)
        _ = machine.receivedHead(Self.head(keepAlive: false))
        guard case .dispatch(let id, _, _) = machine.receivedEnd() else {
            Issue.record("expected dispatch")
            return
        }
        #expect(machine.responseReady(id: id, ShimResponse(status: .ok)) == .write(ShimResponse(status: .ok), close: true))
    }

    @Test("parser errors answer 400, or 431 for oversized headers, then close")
    func protocolErrors() {
        var machine = Machine(maxBodySize: 10)
        guard case .write(let bad, true) = machine.protocolError(.invalidMethod) else {
            Issue.record("expected 400")
            return
        }
        #expect(bad.status == .badRequest)
        var other = Machine(maxBodySize: 10)
        guard case .write(let big, true) = other.protocolError(.headerOverflow) else {
            Issue.record("expected 431")
            return
        }
        #expect(big.status == .requestHeaderFieldsTooLarge)
    }
}
