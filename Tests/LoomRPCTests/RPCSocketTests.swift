import NIOCore
import NIOPosix
import Testing

@testable import LoomRPC

@Suite("RPC over real sockets (127.0.0.1)")
struct RPCSocketTests {
    @Test(
        "1,000 concurrent calls on one connection are all answered with their own response",
        arguments: [RPCServer.HandlerExecution.globalConcurrentExecutor, .eventLoop]
    )
    func thousandConcurrentCalls(execution: RPCServer.HandlerExecution) async throws {
        let server = try await TestServer.start { $0.handlerExecution = execution }
        let client = server.client()
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<1000 {
                group.addTask {
                    let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "call-\(index)"))
                    return (index, String(buffer: reply))
                }
            }
            var results: [Int: String] = [:]
            for try await (index, reply) in group { results[index] = reply }
            return results
        }
        #expect(results.count == 1000)
        #expect(results.allSatisfy { $0.value == "call-\($0.key)" })
        await client.close()
        await server.server.close()
    }

    @Test("a call past its deadline fails with DEADLINE_EXCEEDED and its handler is cancelled")
    func deadlineExceeded() async throws {
        let server = try await TestServer.start { $0.handlerExecution = .eventLoop }
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.hang, request: ByteBuffer(), options: .init(timeout: .milliseconds(100)))
        }
        #expect(error?.code == .deadlineExceeded)
        try await server.cancelled.wait(for: 1)
        await client.close()
        await server.server.close()
    }

    @Test("cancelling the calling task cancels the call on the server, and the connection keeps working")
    func cancelMidCall() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let call = Task { try await client.unary(method: TestMethods.hang, request: ByteBuffer()) }
        try await server.started.wait(for: 1)
        call.cancel()
        let error = await #expect(throws: RPCError.self) { _ = try await call.value }
        #expect(error?.code == .cancelled)
        try await server.cancelled.wait(for: 1)
        let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "still here"))
        #expect(String(buffer: reply) == "still here")
        await client.close()
        await server.server.close()
    }

    @Test("draining lets in-flight calls finish, refuses new ones, then closes")
    func drainWithCallsInFlight() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let calls = (0..<3).map { index in
            Task { try await client.unary(method: TestMethods.gated, request: ByteBuffer(string: "in-flight-\(index)")) }
        }
        try await server.started.wait(for: 3)
        server.server.beginGracefulShutdown()
        // The GOAWAY reaches the client; a new call cannot use the draining connection, and no new one is accepted.
        let refused = await #expect(throws: RPCError.self) {
            for _ in 0..<100 {
                _ = try await client.unary(method: TestMethods.echo, request: ByteBuffer(), options: .init(timeout: .seconds(5)))
            }
        }
        #expect(refused?.code == .unavailable)
        server.gate.open()
        for (index, call) in calls.enumerated() {
            #expect(String(buffer: try await call.value) == "in-flight-\(index)")
        }
        await server.server.waitUntilClosed()
        await client.close()
    }

    @Test("a peer sending garbage is closed and the server keeps serving others")
    func garbagePeer() async throws {
        let server = try await TestServer.start()
        let garbage = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: server.port).get()
        var bytes = ByteBuffer()
        for index in 0..<4096 { bytes.writeInteger(UInt8(truncatingIfNeeded: index &* 31 &+ 7)) }
        try await garbage.writeAndFlush(bytes)
        // The server closes the connection (bounded wait so a regression fails instead of hanging).
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await garbage.closeFuture.get() }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                throw RPCError(code: .deadlineExceeded, message: "server did not close the garbage connection")
            }
            try await group.next()
            group.cancelAll()
        }
        let client = server.client()
        let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "ok"))
        #expect(String(buffer: reply) == "ok")
        await client.close()
        await server.server.close()
    }

    @Test("handler errors are mapped at one place; internal error text never reaches the client")
    func errorMapping() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let notFound = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.fail, request: ByteBuffer(string: "rpc"))
        }
        #expect(notFound == RPCError(code: .notFound, message: "run m/c not found", metadata: ["loom-run": "m/c"]))
        let converted = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.fail, request: ByteBuffer(string: "convertible"))
        }
        #expect(converted == RunConflictError().rpcError)
        let unknown = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.fail, request: ByteBuffer(string: "secret"))
        }
        #expect(unknown?.code == .unknown)
        #expect(unknown?.message == RPCErrorMapper.genericMessage)
        #expect(!(unknown?.message.contains("hunter2") ?? true))
        await client.close()
        await server.server.close()
    }

    @Test("unknown methods get UNIMPLEMENTED; undecodable requests get INVALID_ARGUMENT")
    func unimplementedAndInvalid() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let unimplemented = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: "/test.v1.Test/Missing", request: ByteBuffer())
        }
        #expect(unimplemented?.code == .unimplemented)
        let invalid = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.typed, request: ByteBuffer(bytes: [0x02]))
        }
        #expect(invalid?.code == .invalidArgument)
        let valid = try await client.unary(method: TestMethods.typed, request: ByteBuffer(bytes: [0x01, 0x02]))
        #expect(Array(valid.readableBytesView) == [0x01, 0x02])
        await client.close()
        await server.server.close()
    }

    @Test("server streaming delivers every message in order and ends with OK")
    func serverStreaming() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        var received: [String] = []
        for try await message in try await client.serverStreaming(method: TestMethods.count, request: ByteBuffer(string: "50")) {
            received.append(String(buffer: message))
        }
        #expect(received == (0..<50).map { "\($0)" })
        await client.close()
        await server.server.close()
    }

    @Test("dropping a server stream early cancels the call on the server")
    func abandonStream() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        var received = 0
        for try await _ in try await client.serverStreaming(method: TestMethods.forever, request: ByteBuffer()) {
            received += 1
            if received == 3 { break }
        }
        #expect(received == 3)
        try await server.cancelled.wait(for: 1)
        let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "after"))
        #expect(String(buffer: reply) == "after")
        await client.close()
        await server.server.close()
    }

    @Test("past the per-connection limit calls fail with RESOURCE_EXHAUSTED")
    func concurrencyLimit() async throws {
        let server = try await TestServer.start { $0.maxConcurrentCallsPerConnection = 2 }
        let client = server.client()
        let calls = (0..<2).map { _ in Task { try await client.unary(method: TestMethods.gated, request: ByteBuffer()) } }
        try await server.started.wait(for: 2)
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.echo, request: ByteBuffer())
        }
        #expect(error?.code == .resourceExhausted)
        server.gate.open()
        for call in calls { _ = try await call.value }
        await client.close()
        await server.server.close()
    }

    @Test("the authorization hook runs before the handler and its denials keep their codes")
    func authorization() async throws {
        struct Policy: RPCAuthorizer {
            func authorize(peer: RPCPeer, method: String, metadata: RPCMetadata) async -> RPCAuthorizationDecision {
                switch method {
                case TestMethods.hang: .permissionDenied("viewers may not call Hang")
                case TestMethods.gated: .unauthenticated("a client certificate is required")
                default: .allow
                }
            }
        }
        let server = try await TestServer.start { $0.authorizer = Policy() }
        let client = server.client()
        let denied = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.hang, request: ByteBuffer())
        }
        #expect(denied == RPCError(code: .permissionDenied, message: "viewers may not call Hang"))
        let unauthenticated = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.gated, request: ByteBuffer())
        }
        #expect(unauthenticated?.code == .unauthenticated)
        #expect(server.started.count == 0)
        let reply = try await client.unary(
            method: TestMethods.whoAmI, request: ByteBuffer(), options: .init(metadata: ["x-caller": "loomctl"])
        )
        #expect(String(buffer: reply) == "anonymous|loomctl")
        await client.close()
        await server.server.close()
    }

    @Test("the client reconnects with backoff after the server restarts")
    func reconnect() async throws {
        let first = try await TestServer.start()
        let port = first.port
        let client = first.client { $0.backoff.initial = .milliseconds(20) }
        #expect(String(buffer: try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "a"))) == "a")
        await first.server.close()
        let down = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "b"))
        }
        #expect(down?.code == .unavailable)
        let second = try await TestServer.start(port: port)
        let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "c"), options: .init(timeout: .seconds(5)))
        #expect(String(buffer: reply) == "c")
        await client.close()
        await second.server.close()
    }
}
