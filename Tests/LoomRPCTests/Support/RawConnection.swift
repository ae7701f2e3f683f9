import LoomTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

@testable import LoomRPC

/// A plain TCP connection to a test server that speaks bytes, not the protocol: it holds a connection open, sends
/// PINGs, trickles or sends garbage, and reports when the server closes it.
final class RawConnection: Sendable {
    let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to `127.0.0.1:port`, from `source` (another loopback address such as `127.0.0.2`) when given.
    static func open(port: Int, from source: String? = nil) async throws -> RawConnection {
        let collector = Collector()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CollectorHandler(collector)) }
            }
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// Sends `bytes` as they are.
    func send(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
    }

    /// Sends a PING and returns once its PONG came back: the server accepted and serves this connection.
    func ping() async throws {
        let opaque = UInt64.random(in: 1...UInt64.max)
        var frame = ByteBuffer()
        frame.writeRPCFrame(.ping(opaque))
        let pong = collector.expect { buffer in
            var copy = buffer
            var decoder = RPCFrameDecoder(maxMessageSize: 1024)
            while let frame = try? decoder.decode(buffer: &copy) {
                if frame == .pong(opaque) { return true }
            }
            return false
        }
        try await send(frame)
        try await withTimeLimit(.seconds(10), "no PONG") { await pong.value }
    }

    /// Returns once the server has closed the connection; throws if it has not within `limit`.
    func waitClosed(within limit: Duration = .seconds(10)) async throws {
        try await withTimeLimit(limit, "the server did not close the connection") { try? await self.channel.closeFuture.get() }
    }

    func close() async {
        try? await channel.close()
    }
}


/// The bytes a raw connection received, and a waiter for a condition on them.
private final class Collector: Sendable {
    private struct State {
        var received = ByteBuffer()
        var waiters: [(condition: @Sendable (ByteBuffer) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = NIOLockedValueBox(State())

    /// A task that ends once the received bytes satisfy `condition`.
    func expect(_ condition: @escaping @Sendable (ByteBuffer) -> Bool) -> Task<Void, Never> {
        Task {
            await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state -> Bool in
                    if condition(state.received) { return true }
                    state.waiters.append((condition, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    func append(_ bytes: ByteBuffer) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            var bytes = bytes
            state.received.writeBuffer(&bytes)
            let received = state.received
            let ready = state.waiters.filter { $0.condition(received) }.map(\.continuation)
            state.waiters.removeAll { $0.condition(received) }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}

private final class CollectorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let collector: Collector

    init(_ collector: Collector) {
        self.collector = collector
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        collector.append(Self.unwrapInboundIn(data))
    }
}
