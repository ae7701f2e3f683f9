import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A dispatch Loom sent: enough to answer it.
struct Dispatch: Sendable {
    var callbackId: String
    var candidateId: String
    var stepName: String
    var callbackToken: String
}

/// A migrator over HTTP/1.1 that acknowledges every `POST /dispatch-step` with 200 at once and
/// hands the dispatch to `onDispatch` (which reports the outcome over RPC).
final class BenchMigrator: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    init(group: any EventLoopGroup, onDispatch: @escaping @Sendable (Dispatch) -> Void) async throws {
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(DispatchHandler(onDispatch: onDispatch))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func close() async throws { try await channel.close() }
}

private final class DispatchHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let onDispatch: @Sendable (Dispatch) -> Void
    var body = ByteBuffer()
    var path = ""

    init(onDispatch: @escaping @Sendable (Dispatch) -> Void) {
        self.onDispatch = onDispatch
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            respond(context: context)
            guard path == "/dispatch-step", let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                let callbackId = object["callbackId"] as? String, let stepName = object["stepName"] as? String,
                let candidate = object["candidate"] as? [String: Any], let candidateId = candidate["id"] as? String
            else { return }
            onDispatch(Dispatch(callbackId: callbackId, candidateId: candidateId, stepName: stepName, callbackToken: object["callbackToken"] as? String ?? ""))
        }
    }

    private func respond(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: "2")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "{}")))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
