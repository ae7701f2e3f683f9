import Foundation
import LoomTLS
import NIOCore
import NIOPosix
import Testing

@testable import LoomRPC

/// Peers that do not read what they are sent: neither side may buffer without bound, and neither may wedge.
@Suite("Backpressure")
struct RPCBackpressureTests {
    /// Waits until `counter` stops moving (the same value over three polls 200 ms apart), and returns that value.
    /// Throws when it is still moving after `timeout`: nothing holds the writer back.
    private func settledCount(_ counter: EventCounter, timeout: Duration = .seconds(20)) async throws -> Int {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        var last = -1
        var unchanged = 0
        while clock.now < end {
            try await Task.sleep(for: .milliseconds(200))
            let now = counter.count
            unchanged = now == last && now > 0 ? unchanged + 1 : 0
            if unchanged == 2 { return now }
            last = now
        }
        throw EventCounter.TimeoutError(waitedFor: -1, reached: counter.count)
    }

    /// The most bytes the kernel may hold for one loopback connection: the largest receive plus send buffer.
    private func kernelSocketBytes() -> Int {
        func maximum(_ path: String) -> Int {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } ?? 8 * 1024 * 1024
        }
        return maximum("/proc/sys/net/ipv4/tcp_rmem") + maximum("/proc/sys/net/ipv4/tcp_wmem")
    }

    @Test(
        "a peer that sends calls but never reads their responses stalls its connection, not the server's memory",
        arguments: [false, true]
    )
    func serverStopsTakingCallsFromAPeerThatDoesNotRead(overTLS: Bool) async throws {
        let server = try await TestServer.start(security: overTLS ? try TestTLS.server() : .insecure) {
            $0.handlerExecution = .eventLoop
        }
        let security = overTLS ? try TestTLS.client(try TestTLS.ca.operatorClient) : .insecure
        let calls = 1000
        let statuses = EventCounter()
        let peer = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 16 * 1024)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // With TLS, responses are encrypted when flushed: the server must flush within a burst of calls
                    // for its channel's writability to see them.
                    try security.configure(channel: channel, isServer: false, targetHost: "localhost", logger: TestServer.quietLogger)
                    try channel.pipeline.syncOperations.addHandler(StatusCounter(statuses: statuses))
                }
            }
            .connect(host: "127.0.0.1", port: server.port).get()
        if overTLS { _ = try await peer.tlsHandshakeCompleted().get() }
        var requests = ByteBuffer()
        for id in 1...UInt32(calls) {
            requests.writeRPCFrame(.callStart(.init(callID: id, method: TestMethods.large, timeout: nil, metadata: [:])))
            requests.writeRPCFrame(.message(callID: id, ByteBuffer()))
        }
        try await peer.writeAndFlush(requests)

        // 1,000 calls of 64 KiB responses would be 64 MiB; the server stops at what the sockets hold.
        let stalledAt = try await settledCount(server.served)
        let bound = kernelSocketBytes() / TestServer.largeMessageSize + 16
        #expect(stalledAt < calls && stalledAt <= bound, "served \(stalledAt) responses to a peer that reads nothing")

        // Once the peer reads, every call is answered.
        try await peer.setOption(.autoRead, value: true).get()
        peer.read()
        try await statuses.wait(for: calls, timeout: .seconds(30))
        #expect(server.served.count == calls)
        try await peer.close()
        await server.server.close()
    }

    @Test("a caller that falls behind a stream gets what it was sent, then RESOURCE_EXHAUSTED; other calls go on")
    func clientBoundsAStreamBacklog() async throws {
        let server = try await TestServer.start()
        let limit = 256 * 1024
        let client = server.client { $0.maxBufferedStreamBytes = limit }
        let stream = try await client.serverStreaming(method: TestMethods.largeForever, request: ByteBuffer())
        // Nobody iterates: once 256 KiB wait, the call is cancelled on the server.
        try await server.cancelled.wait(for: 1)
        // The connection was never paused: another call on it is answered while the stream sits untaken.
        let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "meanwhile"))
        #expect(String(buffer: reply) == "meanwhile")
        var received = 0
        let error = await #expect(throws: RPCError.self) {
            for try await message in stream {
                #expect(message.readableBytes == TestServer.largeMessageSize)
                received += 1
            }
        }
        #expect(error?.code == .resourceExhausted, "\(String(describing: error))")
        #expect(received == limit / TestServer.largeMessageSize)
        await client.close()
        await server.server.close()
    }

    @Test("a caller that makes calls on the same client while it iterates a fast stream never deadlocks")
    func callsWhileIterating() async throws {
        let server = try await TestServer.start()
        let client = server.client { $0.maxBufferedStreamBytes = 256 * 1024 }
        // Each message waits for a round trip; the server writes faster, so the stream ends with RESOURCE_EXHAUSTED
        // (or after 200 messages). Pausing the connection instead would have left the echo behind unread data forever.
        let outcome = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                var answered = 0
                do {
                    for try await _ in try await client.serverStreaming(method: TestMethods.largeForever, request: ByteBuffer()) {
                        let reply = try await client.unary(method: TestMethods.echo, request: ByteBuffer(string: "\(answered)"))
                        #expect(String(buffer: reply) == "\(answered)")
                        answered += 1
                        if answered == 200 { break }
                    }
                    return "completed"
                } catch let error as RPCError where error.code == .resourceExhausted {
                    return "fell behind after \(answered) calls"
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return "hung"
            }
            let first = try await group.next() ?? "none"
            group.cancelAll()
            return first
        }
        #expect(outcome != "hung")
        await client.close()
        await server.server.close()
    }

    @Test("a server that reads but never answers is declared dead by keepalive: the call fails with UNAVAILABLE")
    func silentServer() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Discard()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = RPCClient(
            host: "127.0.0.1",
            port: silent.localAddress?.port ?? 0,
            configuration: .defaults(transportSecurity: .insecure) {
                $0.keepaliveInterval = .milliseconds(50)
                $0.keepaliveTimeout = .milliseconds(50)
            },
            logger: TestServer.quietLogger
        )
        // Without keepalive the call would wait for its deadline (DEADLINE_EXCEEDED). Its message names keepalive,
        // unless the connection was already closed by it when the call reached the event loop.
        let error = await #expect(throws: RPCError.self) {
            _ = try await client.unary(
                method: TestMethods.echo, request: ByteBuffer(string: "anyone?"), options: RPCCallOptions(timeout: .seconds(20)))
        }
        #expect(error?.code == .unavailable, "\(String(describing: error))")
        await client.close()
        try await silent.close()
    }

    @Test("stream backlog: a message is refused once the backlog reached the limit; empty messages count too")
    func backlogAccounting() {
        let backlog = StreamBacklog(limit: 1000)
        let large = StreamBacklog.cost(of: ByteBuffer(repeating: 1, count: 5000))
        #expect(backlog.admit(large), "a caller that took everything always gets the next message, whatever its size")
        #expect(!backlog.admit(1), "the backlog is at the limit")
        backlog.taken(large)
        backlog.taken(1)
        #expect(backlog.bytes == 0)

        let empty = StreamBacklog.cost(of: ByteBuffer())
        #expect(empty == StreamBacklog.overhead)
        let admitted = (0..<100).prefix { _ in backlog.admit(empty) }.count
        #expect(admitted == (1000 + empty - 1) / empty, "empty messages must not pass the bound for free")
    }
}

/// Counts the STATUS frames a raw peer receives.
private final class StatusCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var reader = RPCFrameReader(maxMessageSize: 1 << 20)
    private let statuses: EventCounter

    init(statuses: EventCounter) {
        self.statuses = statuses
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        while let frame = try? reader.next() {
            if case .status(_, let status, _) = frame, status.code == .ok { statuses.increment() }
        }
    }
}

/// Reads and drops everything (a server that never answers).
private final class Discard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
