import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy in front of a real redis-server that stalls the connections carrying a marker:
/// from the first occurrence of `marker` (e.g. the SHA-1 of one Lua script) in what a client
/// sends, nothing more of that connection reaches Redis until ``release()``. The client sees a
/// command that takes as long as the test wants — a slow read — and every command it pipelines
/// behind it on that connection waits too, exactly as behind a slow command in Redis, while
/// other connections go on.
final class StallingProxy: Sendable {
    private struct State {
        var stalling = true
        var markersSeen = 0
        var held: [HeldConnection] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var connectionWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// A client connection whose bytes are held, and how to let them through.
    struct HeldConnection: Sendable {
        let flush: @Sendable () -> Void
    }

    let marker: [UInt8]
    private let state = Mutex(State())
    private let listener: Mutex<(any Channel)?> = Mutex(nil)
    private let backendPort: Int

    /// The port clients connect to.
    let port: Int

    private init(marker: [UInt8], backendPort: Int, listener: any Channel) {
        self.marker = marker
        self.backendPort = backendPort
        self.port = listener.localAddress!.port!
        self.listener.withLock { $0 = listener }
    }

    /// Starts a proxy on 127.0.0.1 (a port the kernel picks) to `127.0.0.1:backendPort`.
    static func start(forwardingTo backendPort: Int, stallingAt marker: String) async throws -> StallingProxy {
        let box = Mutex<StallingProxy?>(nil)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let proxy = box.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(FrontHandler(proxy: proxy))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let proxy = StallingProxy(marker: Array(marker.utf8), backendPort: backendPort, listener: listener)
        box.withLock { $0 = proxy }
        return proxy
    }

    /// How many stalled commands (occurrences of the marker) clients have sent so far.
    var markersSeen: Int { state.withLock { $0.markersSeen } }

    /// Returns once clients have sent `count` occurrences of the marker (each a stalled command).
    func waitUntilStalled(commands count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.markersSeen >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Returns once `count` client connections are stalled (each holds a command that never got
    /// to Redis, and everything its client sent after it).
    func waitUntilStalled(connections count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.held.count >= count { return true }
                state.connectionWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Lets every held byte through and stops stalling.
    func release() {
        let held = state.withLock { state -> [HeldConnection] in
            state.stalling = false
            defer { state.held = [] }
            return state.held
        }
        for connection in held { connection.flush() }
    }

    /// Closes the listener (open connections close with their clients).
    func stop() async {
        let channel = listener.withLock { $0 }
        try? await channel?.close()
    }

    /// Called by a connection for the bytes a client sent: whether to hold them, from which offset.
    fileprivate func inspect(_ bytes: [UInt8], tail: inout [UInt8], held alreadyHeld: Bool, connection: HeldConnection) -> Int? {
        let carried = tail.count
        let window = tail + bytes
        var found: [Int] = []
        if window.count >= marker.count {
            for start in 0...(window.count - marker.count) where window[start] == marker[0] {
                if Array(window[start..<(start + marker.count)]) == marker { found.append(start) }
            }
        }
        tail = Array(window.suffix(max(0, marker.count - 1)))
        let (hold, ready) = state.withLock { state -> (Int?, [CheckedContinuation<Void, Never>]) in
            state.markersSeen += found.count
            var hold: Int?
            if state.stalling {
                if alreadyHeld {
                    hold = 0
                } else if let first = found.first {
                    hold = max(0, first - carried)
                    state.held.append(connection)
                }
            }
            let seen = state.markersSeen, stalled = state.held.count
            var ready = state.waiters.filter { $0.count <= seen }.map(\.continuation)
            state.waiters.removeAll { $0.count <= seen }
            ready += state.connectionWaiters.filter { $0.count <= stalled }.map(\.continuation)
            state.connectionWaiters.removeAll { $0.count <= stalled }
            return (hold, ready)
        }
        for continuation in ready { continuation.resume() }
        return hold
    }

    fileprivate var backend: Int { backendPort }

    /// The client side of one proxied connection.
    private final class FrontHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let proxy: StallingProxy
        var backend: (any Channel)?
        var pending: [ByteBuffer] = []  // before the backend is connected
        var held: [ByteBuffer] = []  // stalled
        var isHeld = false
        var tail: [UInt8] = []
        var context: ChannelHandlerContext?

        init(proxy: StallingProxy) { self.proxy = proxy }

        func channelActive(context: ChannelHandlerContext) {
            self.context = context
            let front = context.channel
            let loop = context.eventLoop
            ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(BackHandler(front: front)) }
                }
                .connect(host: "127.0.0.1", port: proxy.backend)
                .hop(to: loop)
                .whenComplete { result in
                    switch result {
                    case .success(let channel):
                        self.backend = channel
                        for buffer in self.pending { channel.write(buffer, promise: nil) }
                        self.pending = []
                        channel.flush()
                    case .failure:
                        front.close(promise: nil)
                    }
                }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = Self.unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let connection = HeldConnection(flush: { [loop = context.eventLoop] in
                loop.execute { loopBound.value.flushHeld() }
            })
            guard let offset = proxy.inspect(bytes, tail: &tail, held: isHeld, connection: connection) else {
                forward(ByteBuffer(bytes: bytes))
                return
            }
            if offset > 0 { forward(ByteBuffer(bytes: bytes[0..<offset])) }
            isHeld = true
            held.append(ByteBuffer(bytes: bytes[offset...]))
        }

        func channelInactive(context: ChannelHandlerContext) {
            backend?.close(promise: nil)
            context.fireChannelInactive()
        }

        func flushHeld() {
            isHeld = false
            let bytes = held
            held = []
            for buffer in bytes { forward(buffer) }
        }

        private func forward(_ buffer: ByteBuffer) {
            if let backend {
                backend.writeAndFlush(buffer, promise: nil)
            } else {
                pending.append(buffer)
            }
        }
    }

    /// The Redis side of one proxied connection: replies go straight back to the client.
    private final class BackHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let front: any Channel

        init(front: any Channel) { self.front = front }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            front.writeAndFlush(Self.unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            front.close(promise: nil)
            context.fireChannelInactive()
        }
    }
}
