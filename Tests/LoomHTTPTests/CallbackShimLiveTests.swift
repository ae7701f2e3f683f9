import LoomHTTP
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite("Shim over real sockets", .timeLimit(.minutes(1)))
struct CallbackShimLiveTests {
    let group = MultiThreadedEventLoopGroup.singleton

    @Test("keep-alive: several requests on one connection, each answered")
    func keepAlive() async throws {
        let backend = RecordingBackend()
        try await withLiveShim(backend: backend) { port in
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                for (_, body) in ReferenceBodies.events {
                    try await connection.send(.post("/event/m__c", body, headers: ["Authorization: Bearer t"]))
                    let responses = try await connection.readResponses(1)
                    #expect(responses.map(\.status) == [202])
                    #expect(responses.first?.body == #"{"status":"event raised"}"#)
                }
            }
        }
        #expect(backend.recorded.count == ReferenceBodies.events.count)
    }

    @Test("pipelined requests are answered in order even when the first is slower")
    func pipelining() async throws {
        let entered = Latch(), finish = Latch()
        let backend = RecordingBackend { call in
            // The first announce is held in the backend until the test lets it finish; the requests
            // written with it would overtake it without ordering.
            if case .announce(let announcement, _) = call, announcement.id == "slow" {
                entered.open()
                await finish.wait()
            }
        }
        try await withLiveShim(backend: backend) { port in
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                let slow = #"{"id":"slow","name":"n","steps":[],"migratorUrl":"http://m"}"#
                try await connection.send(
                    String.post("/registry/announce", slow) + String.get("/healthz") + String.get("/nope")
                        + String.post("/migrations/m/candidates", #"{"candidates":[]}"#)
                )
                await entered.wait()
                finish.open()
                let responses = try await connection.readResponses(4)
                #expect(responses.map(\.status) == [200, 200, 404, 204])
                #expect(responses.first?.body == #"{"status":"SUCCESS"}"#)
            }
        }
    }

    @Test("a body over the limit is 413 and the connection closes; nothing reaches the backend")
    func hugeBody() async throws {
        let backend = RecordingBackend()
        try await withLiveShim(backend: backend, configure: { $0.maxBodySize = 1024 }) { port in
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                let body = #"{"candidates":[{"id":""# + String(repeating: "x", count: 4096) + #"","kind":"k"}]}"#
                try await connection.send(.post("/migrations/m/candidates", body))
                let responses = try await connection.readUntilClosed()
                #expect(responses.map(\.status) == [413])
                #expect(responses.first?.header("connection") == "close")
            }
            // Chunked, no Content-Length.
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                let chunk = String(repeating: "y", count: 800)
                let head = "POST /registry/announce HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                let chunked = head + "320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n"
                try await connection.send(chunked)
                let responses = try await connection.readUntilClosed()
                #expect(responses.map(\.status) == [413])
            }
        }
        #expect(backend.recorded.isEmpty)
    }

    @Test("oversized headers get 431; a garbage request line gets 400; both close")
    func badProtocol() async throws {
        try await withLiveShim(backend: RecordingBackend(), configure: { $0.maxHeaderSize = 1024 }) { port in
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                try await connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 4096))\r\n\r\n")
                let responses = try await connection.readUntilClosed()
                #expect(responses.map(\.status) == [431])
                #expect(responses.first?.body == #"{"error":"request headers too large"}"#)
            }
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                try await connection.send("\u{1}\u{2} garbage\r\n\r\n")
                let responses = try await connection.readUntilClosed()
                #expect(responses.map(\.status) == [400])
            }
        }
    }

    @Test("a slowloris client trickling its headers is cut off with 408 at the read deadline")
    func slowloris() async throws {
        try await withLiveShim(backend: RecordingBackend(), configure: { $0.requestReadTimeout = .milliseconds(300) }) { port in
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                let start = ContinuousClock.now
                try await connection.send("POST /event/x HTTP/1.1\r\nHost: x\r\n")
                // Keep trickling one header byte at a time; the deadline is not extended by activity.
                let outbound = connection.outbound
                let trickle = Task {
                    for byte in "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8 {
                        try await outbound.write(ByteBuffer(bytes: [byte]))
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let responses = try await connection.readUntilClosed()
                trickle.cancel()
                #expect(responses.map(\.status) == [408])
                #expect(ContinuousClock.now - start < .seconds(5))
            }
        }
    }

    @Test("an idle keep-alive connection is closed at the idle deadline")
    func idle() async throws {
        // Long enough that a loaded machine still sends the first request before the deadline.
        try await withLiveShim(backend: RecordingBackend(), configure: { $0.idleTimeout = .seconds(1) }) { port in
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                try await connection.send(.get("/healthz"))
                #expect(try await connection.readResponses(1).map(\.status) == [200])
                let rest = try await connection.readUntilClosed()
                #expect(rest.isEmpty)
            }
        }
    }

    @Test("a request the backend does not finish in time gets 503 and the connection closes")
    func requestTimeout() async throws {
        // The backend never finishes on its own: it is let go only after the 503 was read.
        let finish = Latch()
        let backend = RecordingBackend { _ in await finish.wait() }
        try await withLiveShim(backend: backend, configure: { $0.requestTimeout = .milliseconds(200) }) { port in
            defer { finish.open() }
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                try await connection.send(.post("/migrations/m/candidates", #"{"candidates":[]}"#))
                let responses = try await connection.readUntilClosed()
                #expect(responses.map(\.status) == [503])
                #expect(responses.first?.body == #"{"error":"request timed out"}"#)
            }
        }
    }

    @Test("Connection: close is honoured")
    func connectionClose() async throws {
        try await withLiveShim(backend: RecordingBackend()) { port in
            try await RawHTTPConnection.with(port: port, group: group) { connection in
                try await connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let responses = try await connection.readUntilClosed()
                #expect(responses.map(\.status) == [200])
                #expect(responses.first?.header("connection") == "close")
            }
        }
    }
}

/// A one-way latch: ``wait()`` returns once ``open()`` was called (at once if it was already).
private final class Latch: Sendable {
    private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLockedValue { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
