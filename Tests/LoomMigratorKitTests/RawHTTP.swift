import NIOCore
import NIOPosix

/// Sends raw bytes on one TCP connection and returns everything read until the server closes it.
enum RawHTTP {
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<String>
        let request: String
        var received = ""

        init(promise: EventLoopPromise<String>, request: String) {
            self.promise = promise
            self.request = request
        }

        /// Writes the request as soon as the connection is up (a failed write shows as an early close).
        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: Self.unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(received)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }

    /// Writes `request` to 127.0.0.1:`port` and reads until the server closes the connection.
    static func exchange(port: Int, _ request: String) async throws -> String {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: String.self)
        _ = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(promise: promise, request: request))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return try await promise.futureResult.get()
    }
}
