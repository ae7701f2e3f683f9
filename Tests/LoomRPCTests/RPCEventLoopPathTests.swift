import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import LoomRPC

/// The paths taken only on an event loop: a client call made by a task already on its connection's loop (started
/// synchronously, resumed through the caller's continuation), and server handlers started in place on the loop.
@Suite("RPC paths on the event loop")
struct RPCEventLoopPathTests {
    @Test("a caller on the connection's event loop starts its calls there and is resumed there")
    func clientCallOnTheConnectionsLoop() async throws {
        guard #available(macOS 15.0, *) else { return }
        let server = try await TestServer.start { $0.handlerExecution = .eventLoop }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let client = RPCClient(
            host: "127.0.0.1", port: server.port, configuration: .defaults(transportSecurity: .insecure),
            group: loop, logger: TestServer.quietLogger
        )
        let replies = try await Task(executorPreference: EventLoopTaskExecutor(eventLoop: loop)) {
            var replies: [String] = []
            for index in 0..<3 {
                #expect(loop.inEventLoop)
                let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "on-loop-\(index)"))
                #expect(loop.inEventLoop)
                replies.append(String(buffer: reply))
            }
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.unary(method: TestMethods.fail, request: ByteBuffer(string: "rpc"))
            }
            #expect(error?.code == .notFound)
            #expect(loop.inEventLoop)
            return replies
        }.value
        #expect(replies == ["on-loop-0", "on-loop-1", "on-loop-2"])
        await client.close()
        await server.server.close()
    }

    @Test("cancelling a call made on the connection's event loop cancels it on the server")
    func cancelCallOnTheConnectionsLoop() async throws {
        guard #available(macOS 15.0, *) else { return }
        let server = try await TestServer.start { $0.handlerExecution = .eventLoop }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let client = RPCClient(
            host: "127.0.0.1", port: server.port, configuration: .defaults(transportSecurity: .insecure),
            group: loop, logger: TestServer.quietLogger
        )
        let call = Task(executorPreference: EventLoopTaskExecutor(eventLoop: loop)) {
            try await client.unary(method: TestMethods.hang, request: ByteBuffer())
        }
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

    @Test("a call cancelled before it reaches the event loop is failed with CANCELLED and never sent")
    func callCancelledBeforeItStarts() async throws {
        let (channel, handler) = try ClientConnectionHandler.embedded(maxMessageSize: 1 << 20)
        let token = RPCCallToken()
        token.markCancelled()
        let error = await #expect(throws: RPCError.self) {
            _ = try await handler.unary(token: token, request: "x")
        }
        #expect(error?.code == .cancelled)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try channel.finish()
    }

    @Test("a started call's continuation is resumed once, with CANCELLED, when the call is cancelled on the loop")
    func startedCallCancelledOnTheLoop() async throws {
        let (channel, handler) = try ClientConnectionHandler.embedded(maxMessageSize: 1 << 20)
        let token = RPCCallToken()
        let error = await #expect(throws: RPCError.self) {
            _ = try await handler.unary(token: token, request: "x") {
                handler.cancel(token: token)
                // A second cancel, and the connection closing, find no call left to complete.
                handler.cancel(token: token)
                channel.pipeline.fireChannelInactive()
            }
        }
        #expect(error?.code == .cancelled)
        // CALL_START + MESSAGE went out, then CANCEL.
        #expect(try channel.readOutbound(as: ByteBuffer.self) != nil)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("handlers started in place on the event loop: errors become statuses and streams deliver every message")
    func serverHandlersStartedInPlace() async throws {
        let server = try await TestServer.start { $0.handlerExecution = .eventLoop }
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(method: TestMethods.fail, request: ByteBuffer(string: "rpc"))
        }
        #expect(error?.code == .notFound)
        #expect(error?.metadata["loom-run"] == "m/c")
        var messages: [String] = []
        for try await message in try await client.serverStreaming(method: TestMethods.count, request: ByteBuffer(string: "5")) {
            messages.append(String(buffer: message))
        }
        #expect(messages == ["0", "1", "2", "3", "4"])
        let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "after"))
        #expect(String(buffer: reply) == "after")
        await client.close()
        await server.server.close()
    }

    @Test("a handler's logger carries the call's method and id, and can be replaced")
    func handlerContextLogger() {
        let connectionLogger = Logger(label: "loom.rpc.test")
        var context = RPCHandlerContext(
            method: "/test.v1.Test/Echo", deadline: nil, metadata: [:],
            peer: RPCPeer(identity: nil, remoteAddress: "test"), callID: 7, connectionLogger: connectionLogger
        )
        #expect(context.logger[metadataKey: "rpc.method"] == "/test.v1.Test/Echo")
        #expect(context.logger[metadataKey: "rpc.call_id"]?.description == "7")
        var replacement = Logger(label: "replacement")
        replacement[metadataKey: "custom"] = "yes"
        context.logger = replacement
        #expect(context.logger.label == "replacement")
        #expect(context.logger[metadataKey: "custom"] == "yes")
        #expect(context.logger[metadataKey: "rpc.method"] == nil)
    }
}
