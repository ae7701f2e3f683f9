import NIOCore
import NIOPosix
import NIOSSL

/// The floor: a bare length-prefixed echo over TLS (NIOSSL), no RPC layer at all.
enum EchoTarget {
    static func serverContext(_ certs: Certificates) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certs.serverChain).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certs.serverKey, format: .pem)),
            trustRoots: .file(certs.ca)
        )
        configuration.minimumTLSVersion = .tlsv13
        return try NIOSSLContext(configuration: configuration)
    }

    static func clientContext(_ certs: Certificates) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.trustRoots = .file(certs.ca)
        configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certs.clientChain).map { .certificate($0) }
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: certs.clientKey, format: .pem))
        return try NIOSSLContext(configuration: configuration)
    }

    /// Splits the stream into 4-byte-length-prefixed frames (payload only, prefix dropped).
    struct FrameDecoder: ByteToMessageDecoder {
        typealias InboundOut = ByteBuffer
        mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
            guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
                buffer.readableBytes >= 4 + Int(length)
            else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: 4)
            context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(length))!))
            return .continue
        }
    }

    final class EchoHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var payload = unwrapInboundIn(data)
            var out = context.channel.allocator.buffer(capacity: 4 + payload.readableBytes)
            out.writeInteger(UInt32(payload.readableBytes))
            out.writeBuffer(&payload)
            context.write(wrapOutboundOut(out), promise: nil)
        }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    }

    static func serve(port: Int, certs: Certificates, ready: (Int) -> Void) async throws {
        let context = try serverContext(certs)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        ready(channel.localAddress?.port ?? port)
        try await channel.closeFuture.get()
    }

    /// Client side: pipelined requests, answered in order.
    final class ClientHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var waiting: [EventLoopPromise<ByteBuffer>] = []
        var head = 0

        func send(_ payload: ByteBuffer, promise: EventLoopPromise<ByteBuffer>, context: ChannelHandlerContext) {
            var payload = payload
            waiting.append(promise)
            var out = context.channel.allocator.buffer(capacity: 4 + payload.readableBytes)
            out.writeInteger(UInt32(payload.readableBytes))
            out.writeBuffer(&payload)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let promise = waiting[head]
            head += 1
            if head > 1024 {
                waiting.removeFirst(head)
                head = 0
            }
            promise.succeed(unwrapInboundIn(data))
        }
    }

    struct Connection: BenchConnection {
        let channel: any Channel
        let handler: NIOLoopBound<ClientHandler>
        let contextBox: NIOLoopBound<ChannelHandlerContext>

        func call(_ payload: ByteBuffer) async throws -> ByteBuffer {
            let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
            let handler = self.handler
            let contextBox = self.contextBox
            channel.eventLoop.execute { handler.value.send(payload, promise: promise, context: contextBox.value) }
            return try await promise.futureResult.get()
        }
    }

    static func connect(port: Int, certs: Certificates) async throws -> Connection {
        let context = try clientContext(certs)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ClientHandler())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return try await channel.eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: ClientHandler.self)
            let context = try channel.pipeline.syncOperations.context(handlerType: ClientHandler.self)
            return Connection(
                channel: channel,
                handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                contextBox: NIOLoopBound(context, eventLoop: channel.eventLoop)
            )
        }.get()
    }
}
