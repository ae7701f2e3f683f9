import NIOCore
import NIOPosix

/// A loopback TCP server that is not Redis, for fault tests.
final class FakeServer: Sendable {
    /// How the fake behaves once a client connects.
    enum Behaviour: Sendable {
        /// Sends these bytes at once (e.g. an HTTP or SSH banner).
        case send(String)
        /// Accepts and never answers.
        case silent
        /// Closes the connection at once.
        case close
    }

    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel) { self.channel = channel }

    static func start(_ behaviour: Behaviour) async throws -> FakeServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BehaviourHandler(behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeServer(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class BehaviourHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour
        init(behaviour: Behaviour) { self.behaviour = behaviour }

        func channelActive(context: ChannelHandlerContext) {
            switch behaviour {
            case .send(let text):
                context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
            case .silent:
                break
            case .close:
                context.close(promise: nil)
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    }
}
